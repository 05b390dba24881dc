// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "server.h"

#include <atomic>
#include <deque>
#include <iostream>
#include <list>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "api_util.h"
#include "signing.h"
#include <openssl/ssl.h>
#include <signal.h>

namespace inventory::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kHeartbeat = std::chrono::seconds(15);
// How long a closing live stream (slow consumer, revoked key, shutdown) may take to write its
// last frames before its connection is cut. Its writes have no timeout of their own (streams
// are long-lived): without this, a client that stopped reading would keep a write pending, and
// the connection and its session, for ever.
constexpr auto kStreamCloseGrace = std::chrono::seconds(10);

void log_event(const std::string& level, const std::string& message,
               const std::string& request_id = {}) {
  boost::json::object line{
      {"ts", rfc3339_now()}, {"level", level}, {"msg", message}, {"requestId", request_id}};
  const std::string text = boost::json::serialize(line) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace

// State every session shares.
struct Shared {
  const Config& config;
  Api& api;
  Engine& engine;
  net::io_context& io;
  net::thread_pool& blocking;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  // Live streams: each closes at shutdown, and when the key that opened it is revoked.
  struct StreamCloser {
    std::string key_id;
    std::function<void(bool revoked)> close;
  };
  std::mutex streams_mutex;
  std::list<StreamCloser> stream_closers;

  void close_streams_of(const std::string& key_id) {
    std::lock_guard lock(streams_mutex);
    for (auto& closer : stream_closers) {
      if (closer.key_id == key_id) closer.close(true);
    }
  }
};

namespace {

// Counts a connection for --max-connections while any session holds it.
class ConnectionToken {
 public:
  explicit ConnectionToken(Shared& shared) : shared_(&shared) {}
  ConnectionToken(ConnectionToken&& other) noexcept
      : shared_(std::exchange(other.shared_, nullptr)) {}
  ConnectionToken& operator=(ConnectionToken&&) = delete;
  ~ConnectionToken() {
    if (shared_ != nullptr) shared_->connections.fetch_sub(1);
  }

 private:
  Shared* shared_;
};

template <class Stream>
auto& lowest(Stream& stream) {
  return beast::get_lowest_layer(stream);
}

// ---- Live streams ----

// Delivers the engine's events to a stream session on its executor. The dispatcher thread never
// holds the session (only a weak reference), so the session's destructor never runs there.
template <class Session>
class StreamObserver final : public Observer {
 public:
  StreamObserver(std::weak_ptr<Session> session, net::any_io_executor executor)
      : session_(std::move(session)), executor_(std::move(executor)) {}

  void on_events(std::span<const Event> events) override {
    std::vector<std::pair<std::uint64_t, std::string>> frames;
    frames.reserve(events.size());
    for (const Event& e : events) {
      frames.emplace_back(e.sequence, Session::frame(e));
    }
    net::post(executor_, [weak = session_, frames = std::move(frames)]() mutable {
      if (auto session = weak.lock()) session->push(std::move(frames));
    });
  }
  void on_gap(std::uint64_t after, std::uint64_t last) override {
    net::post(executor_, [weak = session_, after, last] {
      if (auto session = weak.lock()) session->gap(after, last);
    });
  }

 private:
  std::weak_ptr<Session> session_;
  net::any_io_executor executor_;
};

// The part of SSE and WebSocket sessions that is the same: a bounded queue of frames, one write
// at a time, and disconnection of a client that falls too far behind.
template <class Derived>
class StreamBase : public std::enable_shared_from_this<Derived> {
 public:
  StreamBase(Shared& shared, StreamRequest request, ConnectionToken token, std::string request_id)
      : shared_(shared),
        request_(std::move(request)),
        token_(std::move(token)),
        request_id_(std::move(request_id)) {}

  ~StreamBase() {
    if (closer_) {
      std::lock_guard lock(shared_.streams_mutex);
      shared_.stream_closers.erase(*closer_);
    }
    if (subscription_ && shared_.stopping.load()) {
      // Shutting down: the engine closes next, so the subscription must end now. (Safe on any
      // thread: the dispatcher only posts to executors, it never waits for a session.)
      subscription_->cancel();
    } else if (subscription_) {
      // cancel() joins the dispatcher thread: not on an I/O thread while serving.
      net::post(shared_.blocking,
                [s = std::shared_ptr<Subscription>(std::move(subscription_))] { s->cancel(); });
    }
  }

  void push(std::vector<std::pair<std::uint64_t, std::string>> frames) {
    if (closing_) return;
    for (auto& [sequence, text] : frames) {
      queued_bytes_ += text.size();
      queue_.push_back(std::move(text));
    }
    if (queued_bytes_ > shared_.config.stream_queue_bytes) {
      log_event(
          "warn",
          "live stream closed: slow consumer (" + std::to_string(queued_bytes_) + " bytes queued)",
          request_id_);
      queue_.clear();
      queued_bytes_ = 0;
      derived().slow();
      return;
    }
    derived().pump();
  }

  void gap(std::uint64_t after, std::uint64_t last) {
    derived().push({{0, derived().gap_frame(after, last)}});
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  bool subscribe() {
    auto observer =
        std::make_shared<StreamObserver<Derived>>(this->weak_from_this(), derived().executor());
    auto subscription = shared_.engine.subscribe(observer, request_.subscribe);
    if (!subscription.ok()) {
      log_event("error", "live stream: subscribe failed: " + subscription.status().to_string(),
                request_id_);
      return false;
    }
    subscription_ = std::move(*subscription);
    std::lock_guard lock(shared_.streams_mutex);
    // Revocation removes the key and then closes the registered streams of it: a stream
    // registered after that sees the key gone here.
    if (!shared_.api.key_active(request_.principal)) {
      net::post(derived().executor(), [weak = this->weak_from_this()] {
        if (auto self = weak.lock()) self->revoked();
      });
    }
    closer_ = shared_.stream_closers.insert(
        shared_.stream_closers.end(),
        {request_.principal.key_id,
         [weak = this->weak_from_this(), executor = derived().executor()](bool revoked) {
           net::post(executor, [weak, revoked] {
             if (auto self = weak.lock()) revoked ? self->revoked() : self->close();
           });
         }});
    return true;
  }

  Shared& shared_;
  StreamRequest request_;
  ConnectionToken token_;
  std::string request_id_;
  std::unique_ptr<Subscription> subscription_;
  std::optional<std::list<Shared::StreamCloser>::iterator> closer_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
};

template <class Stream>
class SseSession final : public StreamBase<SseSession<Stream>> {
  using Base = StreamBase<SseSession<Stream>>;

 public:
  SseSession(Shared& shared, Stream&& stream, StreamRequest request, ConnectionToken token,
             std::string request_id)
      : Base(shared, std::move(request), std::move(token), std::move(request_id)),
        stream_(std::move(stream)),
        heartbeat_(stream_.get_executor()) {}

  static std::string frame(const Event& e) {
    return "id: " + std::to_string(e.sequence) +
           "\nevent: " + std::string(inventory::to_string(e.type)) +
           "\ndata: " + Api::event_json(e) + "\n\n";
  }
  std::string gap_frame(std::uint64_t after, std::uint64_t last) {
    return "event: gap\ndata: {\"after\":" + std::to_string(after) +
           ",\"last\":" + std::to_string(last) + "}\n\n";
  }
  net::any_io_executor executor() { return stream_.get_executor(); }

  void start() {
    lowest(stream_).expires_never();
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "Connection: keep-alive\r\nX-Accel-Buffering: no\r\nX-Request-Id: " +
        this->request_id_ + "\r\n\r\nretry: 2000\n: connected\n\n";
    this->queue_.push_back(std::move(head));
    const bool subscribed = this->subscribe();
    if (!subscribed) {
      this->queue_.push_back("event: error\ndata: {\"code\":\"unavailable\"}\n\n");
      this->closing_ = true;
    }
    pump();
    watch();
    subscribed ? beat() : close_within(kStreamCloseGrace);
  }

  void pump() {
    if (this->writing_ || this->queue_.empty()) {
      if (!this->writing_ && this->closing_) shutdown();
      return;
    }
    this->writing_ = true;
    // Coalesce what is queued into one write.
    auto batch = std::make_shared<std::string>();
    while (!this->queue_.empty() && batch->size() < 256 * 1024) {
      *batch += this->queue_.front();
      this->queue_.pop_front();
    }
    this->queued_bytes_ -= std::min(this->queued_bytes_, batch->size());
    if (this->closing_) lowest(stream_).expires_after(std::chrono::seconds(1));
    net::async_write(stream_, net::buffer(*batch),
                     [self = this->shared_from_this(), batch](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) return self->shutdown();
                       self->pump();
                     });
  }

  void slow() {
    this->closing_ = true;
    this->queue_.push_back(
        "event: error\ndata: {\"code\":\"slow_consumer\",\"message\":\"the client fell more "
        "than --stream-queue-bytes behind; reconnect with Last-Event-ID\"}\n\n");
    pump();
    close_within(kStreamCloseGrace);
  }

  void close() {
    this->closing_ = true;
    pump();
    close_within(kStreamCloseGrace);
  }

  void revoked() {
    if (this->closing_) return;
    this->closing_ = true;
    // Nothing more for a revoked key: what is queued is dropped, not delivered.
    this->queue_.clear();
    this->queued_bytes_ = 0;
    this->queue_.push_back(
        "event: error\ndata: {\"code\":\"unauthenticated\",\"message\":\"the API key of this "
        "stream was revoked\"}\n\n");
    pump();
    close_within(kStreamCloseGrace);
  }

 private:
  void close_within(std::chrono::seconds limit) {
    if (done_) return;
    heartbeat_.expires_after(limit);  // Cancels the next heartbeat.
    heartbeat_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->shutdown();
    });
  }

  // The client never sends anything after the request: a read completes only when it leaves.
  void watch() {
    stream_.async_read_some(net::buffer(sink_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->shutdown();
                              self->watch();
                            });
  }

  void beat() {
    heartbeat_.expires_after(kHeartbeat);
    heartbeat_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_) return;
      self->push({{0, ": ping\n\n"}});
      self->beat();
    });
  }

  void shutdown() {
    if (done_) return;
    done_ = true;
    this->closing_ = true;
    heartbeat_.cancel();
    beast::error_code ignored;
    lowest(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest(stream_).close();
  }

  Stream stream_;
  net::steady_timer heartbeat_;
  std::array<char, 512> sink_{};
  bool done_ = false;
};

template <class Stream>
class WsSession final : public StreamBase<WsSession<Stream>> {
  using Base = StreamBase<WsSession<Stream>>;

 public:
  WsSession(Shared& shared, Stream&& stream, StreamRequest request, ConnectionToken token,
            std::string request_id)
      : Base(shared, std::move(request), std::move(token), std::move(request_id)),
        ws_(std::move(stream)),
        close_timer_(ws_.get_executor()) {}

  static std::string frame(const Event& e) { return Api::event_json(e); }
  std::string gap_frame(std::uint64_t after, std::uint64_t last) {
    return "{\"type\":\"gap\",\"after\":" + std::to_string(after) +
           ",\"last\":" + std::to_string(last) + "}";
  }
  net::any_io_executor executor() { return ws_.get_executor(); }

  void start(http::request<http::string_body> request) {
    lowest(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [id = this->request_id_](websocket::response_type& response) {
          response.set("X-Request-Id", id);
        }));
    ws_.text(true);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      if (!self->subscribe()) {
        self->ws_.async_close({websocket::close_code::try_again_later, "subscribe failed"},
                              [self](beast::error_code) {});
        return;
      }
      self->accepted_ = true;
      self->read();
      self->pump();
    });
  }

  void pump() {
    if (!accepted_ || this->writing_ || closed_) return;
    if (this->queue_.empty()) {
      if (this->closing_) close_with({websocket::close_code::going_away, "server shutting down"});
      return;
    }
    this->writing_ = true;
    auto text = std::make_shared<std::string>(std::move(this->queue_.front()));
    this->queue_.pop_front();
    this->queued_bytes_ -= std::min(this->queued_bytes_, text->size());
    ws_.async_write(net::buffer(*text),
                    [self = this->shared_from_this(), text](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->closed_ = true;
                        return;
                      }
                      self->pump();
                    });
  }

  void slow() {
    this->closing_ = true;
    close_with({websocket::close_code::policy_error, "slow consumer"});
    close_within(kStreamCloseGrace);
  }

  void close() {
    this->closing_ = true;
    pump();
    close_within(kStreamCloseGrace);
  }

  void revoked() {
    this->closing_ = true;
    this->queue_.clear();
    this->queued_bytes_ = 0;
    close_with({websocket::close_code::policy_error, "key revoked"});
    close_within(kStreamCloseGrace);
  }

 private:
  void close_within(std::chrono::seconds limit) {
    close_timer_.expires_after(limit);
    close_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->closed_ = true;
      beast::error_code ignored;
      lowest(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest(self->ws_).close();
    });
  }

  void close_with(websocket::close_reason reason) {
    if (closed_ || !accepted_) return;
    closed_ = true;
    // A pending write keeps its own reference; Beast allows one close alongside it.
    ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {});
  }

  void read() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->closed_ = true;
        return;
      }
      self->buffer_.consume(self->buffer_.size());  // Clients have nothing to say; ignore it.
      self->read();
    });
  }

  websocket::stream<Stream> ws_;
  net::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  bool accepted_ = false;
  bool closed_ = false;
};

// ---- Plain request/response ----

template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Shared& shared, Stream&& stream, ConnectionToken token)
      : shared_(shared), stream_(std::move(stream)), token_(std::move(token)) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest(stream_).expires_after(shared_.config.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // Not TLS, or a failed handshake: drop it.
                                self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(shared_.config.max_body_bytes);
    lowest(stream_).expires_after(shared_.config.header_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return close();
    }
    // The header is parsed when the body is refused for its size: echo its X-Request-Id.
    std::string request_id = random_hex(8);
    if (ec == http::error::body_limit) {  // (The fields are parsed; the header may not be "done".)
      const std::string_view sent = parser_->get()["X-Request-Id"];
      if (!sent.empty() && sent.size() <= 128 &&
          std::all_of(sent.begin(), sent.end(), [](char ch) { return ch > 32 && ch < 127; })) {
        request_id = sent;
      }
    }
    if (ec == http::error::body_limit) {
      return write_error(ApiError{413, "payload_too_large",
                                  "the body is larger than " +
                                      std::to_string(shared_.config.max_body_bytes) + " bytes",
                                  "body", std::nullopt},
                         request_id);
    }
    if (ec == http::error::header_limit) {
      return write_error(
          ApiError{431, "header_too_large", "the header is larger than 16 KiB", {}, std::nullopt},
          request_id);
    }
    if (ec) {
      return write_error(
          ApiError{
              400, "invalid_argument", "malformed HTTP request: " + ec.message(), {}, std::nullopt},
          request_id);
    }
    auto message = parser_->release();
    lowest(stream_).expires_never();
    keep_alive_ = message.keep_alive();
    version_ = message.version();

    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = std::move(message.body());
    request.authorization = std::string(message[http::field::authorization]);
    request.idempotency_key = std::string(message["Idempotency-Key"]);
    request.if_match = std::string(message[http::field::if_match]);
    request.last_event_id = std::string(message["Last-Event-ID"]);
    request.content_type = std::string(message[http::field::content_type]);
    const std::string_view sent_id = message["X-Request-Id"];
    const bool usable =
        !sent_id.empty() && sent_id.size() <= 128 &&
        std::all_of(sent_id.begin(), sent_id.end(), [](char ch) { return ch > 32 && ch < 127; });
    request.request_id = usable ? std::string(sent_id) : request_id;

    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    if (request.method == "GET" && (path == "/v1/stream" || path == "/v1/ws")) {
      const bool ws = path == "/v1/ws";
      if (!ws || websocket::is_upgrade(message)) {
        auto opened = shared_.api.open_stream(request);
        if (auto* error = std::get_if<Reply>(&opened)) {
          return write(std::move(*error), request.request_id);
        }
        auto& stream_request = std::get<StreamRequest>(opened);
        const auto start = std::chrono::steady_clock::now();
        shared_.api.record(ws ? 24 : 23, ws ? 101 : 200, std::chrono::steady_clock::now() - start);
        if (ws) {
          auto session = std::make_shared<WsSession<Stream>>(shared_, std::move(stream_),
                                                             std::move(stream_request),
                                                             std::move(token_), request.request_id);
          session->start(std::move(message));
        } else {
          auto session = std::make_shared<SseSession<Stream>>(
              shared_, std::move(stream_), std::move(stream_request), std::move(token_),
              request.request_id);
          session->start();
        }
        return;  // The stream session owns the connection now.
      }
    }
    if (!request.body.empty() && request.method != "GET" &&
        request.content_type.find("application/json") == std::string::npos) {
      return write_error(
          ApiError{415, "unsupported_media_type", "send the body as Content-Type: application/json",
                   "Content-Type", std::nullopt},
          request.request_id);
    }
    auto executor = stream_.get_executor();
    shared_.api.handle(request, [self = this->shared_from_this(), executor,
                                 id = request.request_id](Reply reply) mutable {
      net::post(executor, [self, reply = std::move(reply), id]() mutable {
        self->write(std::move(reply), id);
      });
    });
  }

  void write_error(const ApiError& error, const std::string& request_id) {
    keep_alive_ = false;
    write(Api::error_reply(error, request_id), request_id);
  }

  void write(Reply reply, const std::string& request_id) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version_ == 0 ? 11 : version_);
    response->set(http::field::server, "inventory-server");
    response->set("X-Request-Id", request_id);
    if (!reply.content_type.empty()) response->set(http::field::content_type, reply.content_type);
    response->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : reply.headers) response->set(name, value);
    response->body() = std::move(reply.body);
    const bool keep = keep_alive_ && !shared_.stopping.load();
    response->keep_alive(keep);
    response->prepare_payload();
    lowest(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(
        stream_, *response,
        [self = this->shared_from_this(), response, keep](beast::error_code ec, std::size_t) {
          if (ec || !keep) return self->close();
          self->read();
        });
  }

  void close() {
    beast::error_code ignored;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest(stream_).expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored2;
        lowest(self->stream_).socket().close(ignored2);
      });
    } else {
      lowest(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Shared& shared_;
  Stream stream_;
  ConnectionToken token_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

struct Server::Impl {
  Impl(const Config& configuration, Api& api, Engine& engine)
      : config(configuration),
        shared{config, api, engine, io, blocking},
        blocking(2),
        io(static_cast<int>(threads())),
        acceptor(net::make_strand(io)),
        tls(ssl::context::tls_server) {}

  unsigned threads() const {
    return config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  }

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || shared.stopping.load()) return;
        return accept();
      }
      if (shared.connections.fetch_add(1) >= config.max_connections) {
        shared.connections.fetch_sub(1);
        beast::error_code ignored;
        socket.close(ignored);
        log_event("warn", "connection refused: --max-connections reached");
        return accept();
      }
      ConnectionToken token(shared);
      socket.set_option(tcp::no_delay(true));
      if (use_tls) {
        auto session = std::make_shared<HttpSession<TlsStream>>(
            shared, TlsStream(std::move(socket), tls), std::move(token));
        session->start();
      } else {
        auto session = std::make_shared<HttpSession<PlainStream>>(
            shared, PlainStream(std::move(socket)), std::move(token));
        session->start();
      }
      accept();
    });
  }

  const Config& config;
  // Declared first, destroyed last: sessions whose handlers were still pending when the I/O
  // threads stopped (a stream closing, a client that stopped reading) are destroyed with io, and
  // their destructors use it. (It only keeps references to io and blocking.)
  Shared shared;
  net::thread_pool blocking;  // Declared before io: sessions dying with io may still post here.
  net::io_context io;
  tcp::acceptor acceptor;
  ssl::context tls;
  bool use_tls = false;
};

Server::Server(const Config& config, Api& api, Engine& engine)
    : impl_(std::make_unique<Impl>(config, api, engine)) {
  api.set_executors([this](std::function<void()> f) { net::post(impl_->io, std::move(f)); },
                    [this](std::function<void()> f) { net::post(impl_->blocking, std::move(f)); });
  api.set_on_key_revoked(
      [this](const std::string& key_id) { impl_->shared.close_streams_of(key_id); });
  api.set_transport_metrics([this] {
    Shared& shared = impl_->shared;
    std::size_t streams = 0;
    {
      std::lock_guard lock(shared.streams_mutex);
      streams = shared.stream_closers.size();
    }
    return "# HELP inventory_http_connections Open client connections (--max-connections).\n"
           "# TYPE inventory_http_connections gauge\n"
           "inventory_http_connections " +
           std::to_string(shared.connections.load()) +
           "\n# HELP inventory_http_streams Open live streams (SSE and WebSocket).\n"
           "# TYPE inventory_http_streams gauge\n"
           "inventory_http_streams " +
           std::to_string(streams) + "\n";
  });
}

Server::~Server() { impl_->blocking.join(); }

std::string Server::bind() {
  Impl& s = *impl_;
  if (!s.config.tls_cert.empty()) {
    s.use_tls = true;
    s.tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(s.tls.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    s.tls.use_certificate_chain_file(s.config.tls_cert, ec);
    if (ec) throw std::runtime_error("--tls-cert " + s.config.tls_cert + ": " + ec.message());
    s.tls.use_private_key_file(s.config.tls_key, ssl::context::pem, ec);
    if (ec) throw std::runtime_error("--tls-key " + s.config.tls_key + ": " + ec.message());
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(s.config.host, ec);
  if (ec) throw std::runtime_error("--listen: " + s.config.host + " is not an IP address");
  const tcp::endpoint endpoint(address, s.config.port);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(endpoint, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + s.config.host + ":" +
                             std::to_string(s.config.port) + ": " + ec.message());
  }
  s.acceptor.listen(net::socket_base::max_listen_connections);
  const auto bound = s.acceptor.local_endpoint();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return std::string(s.use_tls ? "https" : "http") + "://" + host + ":" +
         std::to_string(bound.port());
}

void Server::run(const std::function<void()>& before_exit) {
  Impl& s = *impl_;
  // io.run() must not return (and let the caller destroy what before_exit uses) until
  // before_exit has run: the work guard keeps it serving until then.
  auto work = net::make_work_guard(s.io);
  std::atomic<bool> exiting{false};
  s.accept();
  auto drain = std::make_shared<net::steady_timer>(s.io);
  auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> wait_for_requests;
  wait_for_requests = [&, drain, deadline] {
    if (s.shared.api.in_flight() > 0 && std::chrono::steady_clock::now() < *deadline) {
      drain->expires_after(std::chrono::milliseconds(20));
      drain->async_wait([&](beast::error_code) { wait_for_requests(); });
      return;
    }
    // Let the last replies reach their sockets, then stop.
    drain->expires_after(std::chrono::milliseconds(100));
    drain->async_wait([&](beast::error_code) {
      if (exiting.exchange(true)) return;
      net::post(s.blocking, [&] {
        before_exit();
        work.reset();
        s.io.stop();
      });
    });
  };
  auto begin_shutdown = [&, deadline](int signal) {
    log_event("info",
              std::string("shutting down on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    s.shared.stopping.store(true);
    s.shared.api.set_shutting_down();
    beast::error_code ignored;
    s.acceptor.close(ignored);
    {
      std::lock_guard lock(s.shared.streams_mutex);
      for (auto& closer : s.shared.stream_closers) closer.close(false);
    }
    *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    wait_for_requests();
  };
  // main() blocked SIGINT and SIGTERM in every thread; this one takes them synchronously.
  std::thread signal_waiter([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int signal = 0;
    if (sigwait(&set, &signal) == 0) {
      net::post(s.io, [&begin_shutdown, signal] { begin_shutdown(signal); });
    }
  });
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < s.threads(); ++i) threads.emplace_back([&] { s.io.run(); });
  s.io.run();
  for (auto& t : threads) t.join();
  signal_waiter.join();
}

}  // namespace inventory::server

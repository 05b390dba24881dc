// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.

#include "feed/feed.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/item_table.h"
#include "core/reservation_table.h"
#include "journal/event_plan.h"
#include "metrics/metrics.h"

namespace inventory {

Observer::~Observer() = default;
Subscription::~Subscription() = default;

namespace {

constexpr struct {
  EventType type;
  std::string_view name;
} kEventNames[] = {
    {EventType::stock_adjusted, "stock.adjusted"},
    {EventType::stock_set, "stock.set"},
    {EventType::stock_transferred, "stock.transferred"},
    {EventType::policy_changed, "stock.policy_changed"},
    {EventType::reservation_reserved, "reservation.reserved"},
    {EventType::reservation_confirmed, "reservation.confirmed"},
    {EventType::reservation_released, "reservation.released"},
    {EventType::reservation_expired, "reservation.expired"},
    {EventType::reservation_extended, "reservation.extended"},
    {EventType::product_upserted, "product.upserted"},
    {EventType::product_removed, "product.removed"},
    {EventType::location_upserted, "location.upserted"},
    {EventType::location_removed, "location.removed"},
    {EventType::item_upserted, "inventory.upserted"},
    {EventType::item_removed, "inventory.removed"},
    {EventType::low_stock, "stock.low"},
    {EventType::out_of_stock, "stock.out"},
    {EventType::back_in_stock, "stock.back_in"},
    {EventType::oversell_rejected, "stock.oversell_rejected"},
    {EventType::unusual_adjustment, "stock.unusual_adjustment"},
    {EventType::request_refused, "request.refused"},
};

}  // namespace

std::string_view to_string(EventType type) noexcept {
  for (const auto& entry : kEventNames) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

std::optional<EventType> event_type_from_string(std::string_view name) noexcept {
  for (const auto& entry : kEventNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

bool EventFilter::matches(const Event& event) const noexcept {
  if (!types.empty() && std::find(types.begin(), types.end(), event.type) == types.end()) {
    return false;
  }
  if (!location_ids.empty() && std::find(location_ids.begin(), location_ids.end(),
                                         event.location_id) == location_ids.end()) {
    return false;
  }
  return true;
}

namespace feed {

namespace {

Quantities quantities(std::int64_t on_hand, std::int64_t reserved) {
  return Quantities{Quantity(on_hand), Quantity(reserved), Quantity(on_hand - reserved)};
}

Timestamp at_ms(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

}  // namespace

void derive_events(const journal::Record& record, const Resolver& resolve,
                   std::vector<Event>* out) {
  const core::Changes& changes = record.changes;
  // The reservation an item event belongs to: the one created with a line on that item, else,
  // when the item's holds changed, the only reservation the record finishes (a confirm,
  // release or expiry names no lines). An adjustment in the same batch belongs to none.
  auto reservation_of = [&](ItemId item, const core::ItemChange& c) -> ReservationId {
    for (const core::ReservationChange& r : changes.reservations) {
      for (const ReserveLine& line : r.lines) {
        if (line.item == item) return core::make_reservation_id(r.index, r.generation);
      }
    }
    if (c.after.reserved == c.before.reserved) return ReservationId{};
    const core::ReservationChange* finished = nullptr;
    for (const core::ReservationChange& r : changes.reservations) {
      if (r.kind != core::ReservationChange::Kind::finish) continue;
      if (finished != nullptr) return ReservationId{};  // Several: ambiguous.
      finished = &r;
    }
    return finished != nullptr ? core::make_reservation_id(finished->index, finished->generation)
                               : ReservationId{};
  };
  std::uint64_t sequence = record.sequence;
  journal::plan_events(
      record.operation, changes, record.rejections, record.unusual_limit,
      [&](EventType type, journal::EventSource source, std::size_t index) {
        Event& e = out->emplace_back();
        e.sequence = sequence++;
        e.change = record.sequence;
        e.type = type;
        e.reason = record.reason;
        e.reference = record.reference;
        e.actor = record.actor;
        e.request_id = record.request_id;
        e.occurred_at = at_ms(record.occurred_ms);
        e.recorded_at = at_ms(record.recorded_ms);
        switch (source) {
          case journal::EventSource::catalog: {
            using Kind = core::CatalogChange::Kind;
            const core::CatalogChange& c = changes.catalog[index];
            switch (c.kind) {
              case Kind::product_upsert:
                e.product_id = c.product->id;
                break;
              case Kind::location_upsert:
                e.location_id = c.location->id;
                break;
              case Kind::product_remove:
                e.product_id = c.id;
                break;
              case Kind::location_remove:
                e.location_id = c.id;
                break;
              case Kind::item_create:
              case Kind::item_remove:
                e.item = c.item;
                if (resolve) resolve(c.item, &e.product_id, &e.location_id);
                break;
            }
            break;
          }
          case journal::EventSource::item: {
            const core::ItemChange& c = changes.items[index];
            // A removal notes the slot's generation after it (free, even): the item that was
            // removed is the one before.
            e.item = core::make_item_id(c.index,
                                        journal::retires_item(c) ? c.generation - 1 : c.generation);
            e.reservation = reservation_of(e.item, c);
            e.before = quantities(c.before.on_hand, c.before.reserved);
            e.after = quantities(c.after.on_hand, c.after.reserved);
            e.version = Version{c.after.version};
            const EventType primary = journal::item_event_type(record.operation, changes, c);
            const bool holds = primary == EventType::reservation_reserved ||
                               primary == EventType::reservation_released ||
                               primary == EventType::reservation_expired;
            e.delta =
                holds ? c.after.reserved - c.before.reserved : c.after.on_hand - c.before.on_hand;
            if (resolve) resolve(e.item, &e.product_id, &e.location_id);
            break;
          }
          case journal::EventSource::rejection: {
            const journal::Rejection& x = record.rejections[index];
            e.item = x.item;
            e.before = e.after = quantities(x.on_hand, x.reserved);
            e.delta = x.quantity;
            e.version = Version{x.version};
            if (resolve) resolve(e.item, &e.product_id, &e.location_id);
            break;
          }
          case journal::EventSource::reservation: {
            const core::ReservationChange& r = changes.reservations[index];
            e.reservation = core::make_reservation_id(r.index, r.generation);
            if (!r.reference.empty()) e.reference = r.reference;
            break;
          }
          case journal::EventSource::none:
            if (record.idempotency.has_value()) {
              const Status& refused = record.idempotency->result.status;
              e.reason = std::string(to_string(refused.code()));
              if (!refused.message().empty()) {
                e.reason += ": ";
                e.reason += refused.message();
              }
            }
            break;
        }
      });
}

// ---- Ring ----

struct Feed::Chunk {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::chrono::steady_clock::time_point durable_at;
  std::shared_ptr<journal::DurableGroup> group;  // Dropped once decoded.
  std::once_flag decoded;
  std::vector<Event> events;
  Status status;
};

void Feed::decode(Chunk& chunk) const {
  std::call_once(chunk.decoded, [&] {
    journal::DecodeLimits limits{std::numeric_limits<std::uint32_t>::max(),
                                 std::numeric_limits<std::uint32_t>::max(), 100'000};
    chunk.events.reserve(chunk.last - chunk.first + 1);
    chunk.status =
        journal::decode_group(chunk.group->bytes, limits, [&](journal::Record&& record) -> Status {
          derive_events(record, resolve_, &chunk.events);
          return Status();
        });
    chunk.group.reset();
  });
}

std::shared_ptr<Feed::Chunk> Feed::find_chunk(std::uint64_t sequence) const {
  std::lock_guard lock(ring_mutex_);
  auto it = std::partition_point(ring_.begin(), ring_.end(),
                                 [&](const auto& c) { return c->last < sequence; });
  if (it != ring_.end() && (*it)->first <= sequence) return *it;
  for (const auto& c : backlog_) {
    if (c->first <= sequence && sequence <= c->last) return c;
  }
  return nullptr;
}

// ---- Subscriber ----

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  static constexpr std::chrono::microseconds kLinger{250};
  static constexpr std::chrono::milliseconds kJournalPauseMax{100};

  Subscriber(Feed* feed, std::shared_ptr<Observer> observer, const SubscribeOptions& options,
             std::string name, std::uint64_t start)
      : feed_(feed),
        observer_(std::move(observer)),
        options_(options),
        name_(std::move(name)),
        work_(io_.get_executor()),
        timer_(io_),
        cursor_(start) {}

  void start() {
    thread_ = std::thread([self = shared_from_this()] { self->io_.run(); });
    notify();
  }

  // Any thread (the journal's logger): new events may be there. While the subscription is
  // delivering, backing off or lingering this is one atomic exchange; only an idle one is posted
  // a wake-up, so a steady stream of groups costs the logger no system call per subscriber.
  void notify() {
    // The caller stored the new head (seq_cst) before this seq_cst exchange; linger() stores
    // scheduled_ = false before it loads the head (both seq_cst). In their single total order
    // either linger() sees the new head, or this sees the subscription idle and posts.
    if (!scheduled_.exchange(true, std::memory_order_seq_cst)) {
      boost::asio::post(io_, [this] { pump(); });
    }
  }

  // Stops delivery and waits for a running callback. Idempotent; not from the callback itself.
  void stop() {
    // Serialized, so that a second caller (the engine closing while the handle is cancelled)
    // also returns only once no callback runs.
    std::lock_guard lock(stop_mutex_);
    if (stopped_.exchange(true)) return;
    work_.reset();
    io_.stop();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    if (thread_.joinable()) thread_.detach();
  }

  const std::string& name() const noexcept { return name_; }
  bool durable() const noexcept { return !options_.cursor.empty(); }
  std::uint64_t cursor() const noexcept { return cursor_.load(std::memory_order_acquire); }

  void metrics(ObserverMetrics* out) const {
    out->name = name_;
    out->cursor = cursor();
    const std::uint64_t head = feed_->head();
    out->lag_events = head > out->cursor ? head - out->cursor : 0;
    out->delivered = delivered_.load(std::memory_order_relaxed);
    out->failures = failures_.load(std::memory_order_relaxed);
    out->gaps = gaps_.load(std::memory_order_relaxed);
    out->lag = lag_.snapshot();
  }

 private:
  // Subscription thread. Runs while scheduled_ is true: delivers until caught up, then
  // lingers; a failure arms the retry timer instead (scheduled_ stays true meanwhile, so nothing
  // else is posted).
  void pump() {
    const EventFilter& filter = options_.filter;
    const auto keep = [&filter](const Event& e) { return filter.matches(e); };
    while (!stopped_.load(std::memory_order_acquire)) {
      const std::uint64_t from = cursor();
      if (from >= feed_->head()) {
        linger();
        return;
      }
      batch_.clear();
      std::uint64_t next = from;
      std::uint64_t gap = 0;
      std::chrono::steady_clock::time_point durable_at{};
      std::chrono::nanoseconds journal_time{0};
      Status read = feed_->read(from, options_.max_batch, 64ull * options_.max_batch, keep, &batch_,
                                &next, &gap, &durable_at, &journal_time);
      if (!read.ok()) {
        failures_.fetch_add(1, std::memory_order_relaxed);
        retry_later();
        return;
      }
      if (gap != 0) {
        try {
          observer_->on_gap(from, gap);
        } catch (...) {
          // The gap is a notice; it is not repeated.
        }
        gaps_.fetch_add(1, std::memory_order_relaxed);
        if (stopped_.load(std::memory_order_acquire)) return;  // See below.
        advance(gap);
        continue;
      }
      if (next == from) {
        // Nothing could be read although the head is further: try again later rather than
        // spin on this thread.
        failures_.fetch_add(1, std::memory_order_relaxed);
        retry_later();
        return;
      }
      if (!batch_.empty()) {
        try {
          observer_->on_events(batch_);
        } catch (...) {
          failures_.fetch_add(1, std::memory_order_relaxed);
          retry_later();
          return;
        }
        delivered_.fetch_add(batch_.size(), std::memory_order_relaxed);
        if (durable_at.time_since_epoch().count() != 0) {
          lag_.record(std::chrono::steady_clock::now() - durable_at);
        }
        // Cancelled from the callback: this thread was detached and the subscription removed,
        // so nothing waits for it, and the engine (the feed, its journal) may be closing or
        // gone. Touch nothing of it; the batch is not acknowledged (a later subscription with
        // the same cursor gets it again, as at-least-once allows).
        if (stopped_.load(std::memory_order_acquire)) return;
      }
      backoff_ = std::chrono::milliseconds(0);
      advance(next);
      if (journal_time.count() > 0 && feed_->writing()) {
        // Behind the ring while writers are busy: spend at most a twentieth of the time on
        // the journal (see feed.h).
        pause(std::min<std::chrono::nanoseconds>(19 * journal_time, kJournalPauseMax));
        return;
      }
    }
  }

  void pause(std::chrono::nanoseconds duration) {
    timer_.expires_after(duration);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) pump();
    });
  }

  // Caught up: stays scheduled for kLinger, so that groups published meanwhile are delivered
  // together (one wake-up per kLinger under load, not one per group), then goes idle.
  void linger() {
    timer_.expires_after(kLinger);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;  // Stopped.
      if (cursor() < feed_->head()) return pump();
      scheduled_.store(false, std::memory_order_seq_cst);
      // Pairs with notify(): a group published before the store above is seen here (head() is
      // a seq_cst load); one published after it posts a wake-up.
      if (cursor() < feed_->head() && !scheduled_.exchange(true, std::memory_order_seq_cst)) {
        pump();
      }
    });
  }

  void advance(std::uint64_t sequence) {
    cursor_.store(sequence, std::memory_order_release);
    if (durable()) feed_->store_cursor(options_.cursor, sequence);
  }

  void retry_later() {
    backoff_ =
        std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    timer_.expires_after(backoff_);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) pump();
    });
  }

  Feed* const feed_;
  const std::shared_ptr<Observer> observer_;
  const SubscribeOptions options_;
  const std::string name_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer timer_;
  std::thread thread_;
  std::atomic<bool> scheduled_{false};
  std::mutex stop_mutex_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> cursor_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> gaps_{0};
  metrics::LatencyRecorder lag_;
  // Subscription thread only.
  std::vector<Event> batch_;
  std::chrono::milliseconds backoff_{0};
};

namespace {

class SubscriptionHandle final : public Subscription {
 public:
  SubscriptionHandle(std::shared_ptr<Subscriber> subscriber, Feed* feed,
                     std::shared_ptr<std::atomic<bool>> feed_alive)
      : subscriber_(std::move(subscriber)), feed_(feed), feed_alive_(std::move(feed_alive)) {}
  ~SubscriptionHandle() override { cancel(); }
  void cancel() override;
  std::uint64_t cursor() const noexcept override { return subscriber_->cursor(); }
  const std::string& name() const noexcept override { return subscriber_->name(); }

 private:
  std::shared_ptr<Subscriber> subscriber_;
  Feed* feed_;
  std::shared_ptr<std::atomic<bool>> feed_alive_;
};

}  // namespace

// ---- Feed ----

Feed::Feed(journal::Journal* journal, Resolver resolve, const FeedOptions& options)
    : journal_(journal),
      resolve_(std::move(resolve)),
      options_(options),
      alive_(std::make_shared<std::atomic<bool>>(true)) {
  head_.store(journal_->durable_sequence(), std::memory_order_release);
  for (auto& [name, sequence] : journal_->cursors()) cursors_[name] = sequence;
}

Feed::~Feed() {
  stop();
  alive_->store(false, std::memory_order_release);
}

void Feed::stop() {
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  {
    std::lock_guard lock(subscribers_mutex_);
    stopped_ = true;
    subscribers.swap(subscribers_);
  }
  for (auto& s : subscribers) s->stop();
}

bool Feed::writing() const noexcept {
  const std::int64_t last = last_publish_ns_.load(std::memory_order_relaxed);
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  return now - last < std::chrono::nanoseconds(kWritingWindow).count();
}

void Feed::publish(std::shared_ptr<journal::DurableGroup> group) {
  auto chunk = std::make_shared<Chunk>();
  chunk->first = group->first;
  chunk->last = group->last;
  chunk->durable_at = std::chrono::steady_clock::now();
  // Relaxed: a hint for throttling journal reads (writing()), it orders nothing.
  last_publish_ns_.store(chunk->durable_at.time_since_epoch().count(), std::memory_order_relaxed);
  chunk->group = std::move(group);
  {
    std::lock_guard lock(ring_mutex_);
    ring_events_ += chunk->last - chunk->first + 1;
    const std::uint64_t last = chunk->last;
    ring_.push_back(std::move(chunk));
    while (ring_.size() > 1 && ring_events_ > options_.buffer_events) {
      ring_events_ -= ring_.front()->last - ring_.front()->first + 1;
      ring_.pop_front();
    }
    head_.store(last, std::memory_order_seq_cst);  // Before notify(): see Subscriber::linger.
  }
  std::lock_guard lock(subscribers_mutex_);
  for (auto& s : subscribers_) s->notify();
}

Status Feed::read(std::uint64_t after, std::uint32_t limit, std::uint64_t scan_max,
                  const std::function<bool(const Event&)>& keep, std::vector<Event>* out,
                  std::uint64_t* next_after, std::uint64_t* gap_last,
                  std::chrono::steady_clock::time_point* oldest_durable_at,
                  std::chrono::nanoseconds* journal_time) {
  const std::uint64_t head = this->head();
  // `limit` counts this call's events only: history() appends page after page to one vector.
  const std::size_t base = out->size();
  std::uint64_t at = after;
  std::uint64_t scanned = 0;
  *gap_last = 0;
  *next_after = after;
  while (at < head && out->size() - base < limit && scanned < scan_max) {
    std::shared_ptr<Chunk> chunk = find_chunk(at + 1);
    if (chunk == nullptr) {
      // Not in memory: read its group from the journal and keep it in the backlog cache, so
      // that the next batches (and other observers as far behind) find it decoded.
      const auto started = std::chrono::steady_clock::now();
      auto group = std::make_shared<journal::DurableGroup>();
      std::uint64_t first_available = 0;
      INVENTORY_RETURN_IF_ERROR(journal_->read_group(at + 1, group.get(), &first_available));
      if (group->bytes.empty()) {
        if (first_available > at + 1 && at == after) {
          // Trimmed: report the gap (alone, so the caller can say so before going on).
          *gap_last = std::min(first_available - 1, head);
          return Status();
        }
        break;  // Return what was read; the next call reports the gap.
      }
      chunk = std::make_shared<Chunk>();
      chunk->first = group->first;
      chunk->last = group->last;
      chunk->group = std::move(group);
      decode(*chunk);
      // read_group() takes the last group's end from the journal's last sequence, which may
      // already count a group written after the one read: the events say where it ends.
      if (chunk->status.ok() && !chunk->events.empty()) chunk->last = chunk->events.back().sequence;
      if (journal_time != nullptr) *journal_time += std::chrono::steady_clock::now() - started;
      std::lock_guard lock(ring_mutex_);
      backlog_.push_back(chunk);
      if (backlog_.size() > kBacklogChunks) backlog_.pop_front();
    } else {
      decode(*chunk);
      if (oldest_durable_at != nullptr && out->size() == base) {
        *oldest_durable_at = chunk->durable_at;
      }
    }
    if (!chunk->status.ok()) return chunk->status;
    auto it = std::partition_point(chunk->events.begin(), chunk->events.end(),
                                   [&](const Event& e) { return e.sequence <= at; });
    if (it == chunk->events.end() || it->sequence != at + 1) {
      return Status(StatusCode::corruption, "feed: the journal group at sequence " +
                                                std::to_string(chunk->first) +
                                                " does not hold the events it numbers (missing " +
                                                std::to_string(at + 1) + ")");
    }
    for (;
         it != chunk->events.end() && at < head && out->size() - base < limit && scanned < scan_max;
         ++it) {
      at = it->sequence;
      ++scanned;
      if (keep == nullptr || keep(*it)) out->push_back(*it);
    }
  }
  *next_after = at;
  return Status();
}

void Feed::store_cursor(const std::string& name, std::uint64_t sequence) {
  std::shared_lock write(cursor_write_mutex_);
  {
    std::lock_guard lock(subscribers_mutex_);
    // subscribe() enters the name first, and drop_cursor() refuses while a subscriber of the
    // name is live (one cancelled from its own callback stores nothing more, see pump()); a
    // missing name is left missing all the same.
    auto it = cursors_.find(name);
    if (it == cursors_.end()) return;
    it->second = sequence;
  }
  // A failed write only means redelivery after a restart; the journal reports the failure.
  journal_->put_cursor(name, sequence).ignore_error();
}

std::uint64_t Feed::retention_floor() {
  const std::uint64_t head = this->head();
  const std::uint64_t history =
      head > options_.history_retention ? head - options_.history_retention : 0;
  std::uint64_t slowest = std::numeric_limits<std::uint64_t>::max();
  {
    std::lock_guard lock(subscribers_mutex_);
    for (const auto& [name, sequence] : cursors_) slowest = std::min(slowest, sequence);
  }
  const std::uint64_t bound =
      head > options_.cursor_retention ? head - options_.cursor_retention : 0;
  return std::min(history, std::max(slowest, bound));
}

void Feed::observer_metrics(std::vector<ObserverMetrics>* out) const {
  std::lock_guard lock(subscribers_mutex_);
  for (const auto& s : subscribers_) s->metrics(&out->emplace_back());
}

namespace {

bool valid_cursor_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const Status kBadCursorName = Status::from_static(
    StatusCode::invalid_argument, "must be 1..64 bytes of [A-Za-z0-9._-]", "cursor");

}  // namespace

Result<std::unique_ptr<Subscription>> Feed::subscribe(std::shared_ptr<Observer> observer,
                                                      const SubscribeOptions& options) {
  if (observer == nullptr) return Status::invalid_argument("observer", "is null");
  if (options.max_batch < 1 || options.max_batch > 100'000) {
    return Status::invalid_argument("max_batch", "must be 1..100000");
  }
  if (!options.cursor.empty() && !valid_cursor_name(options.cursor)) return kBadCursorName;
  for (EventType t : options.filter.types) {
    if (static_cast<int>(t) < 1 || static_cast<int>(t) > kEventTypeMax) {
      return Status::invalid_argument("filter.types", "holds an unknown event type");
    }
  }
  const std::uint64_t head = this->head();
  std::shared_ptr<Subscriber> subscriber;
  {
    // Shared: a drop_cursor of the name in progress finishes first.
    std::shared_lock cursor_lock(cursor_write_mutex_);
    std::lock_guard lock(subscribers_mutex_);
    if (stopped_) return Status(StatusCode::failed_precondition, "the engine is closing");
    // `after` counts only when no stored cursor takes precedence.
    const bool resumes = !options.cursor.empty() && cursors_.contains(options.cursor);
    if (!resumes && options.after.has_value() && *options.after > head) {
      return Status::invalid_argument(
          "after", "is beyond the last durable sequence " + std::to_string(head));
    }
    std::string name = options.cursor;
    std::uint64_t start = options.after.value_or(head);
    if (!name.empty()) {
      for (const auto& s : subscribers_) {
        if (s->durable() && s->name() == name) {
          return Status(StatusCode::already_exists,
                        "cursor " + name + " is in use by a live subscription", "cursor");
        }
      }
      auto stored = cursors_.find(name);
      if (stored != cursors_.end()) {
        start = std::min(stored->second, head);
      } else {
        cursors_[name] = start;  // Holds the log from now on.
      }
    } else {
      name = "observer-" + std::to_string(next_observer_number_++);
    }
    subscriber =
        std::make_shared<Subscriber>(this, std::move(observer), options, std::move(name), start);
    subscribers_.push_back(subscriber);
  }
  if (!options.cursor.empty()) store_cursor(options.cursor, subscriber->cursor());
  subscriber->start();
  return std::unique_ptr<Subscription>(new SubscriptionHandle(subscriber, this, alive_));
}

void Feed::remove(const Subscriber* subscriber) {
  std::lock_guard lock(subscribers_mutex_);
  std::erase_if(subscribers_, [&](const auto& s) { return s.get() == subscriber; });
}

Status Feed::drop_cursor(std::string_view name) {
  if (!valid_cursor_name(name)) return kBadCursorName;
  std::lock_guard write(cursor_write_mutex_);
  {
    std::lock_guard lock(subscribers_mutex_);
    for (const auto& s : subscribers_) {
      if (s->durable() && s->name() == name) {
        return Status(StatusCode::failed_precondition,
                      "cursor " + std::string(name) + " is in use by a live subscription",
                      "cursor");
      }
    }
    if (!cursors_.contains(std::string(name))) {
      return Status(StatusCode::not_found, "no stored cursor " + std::string(name), "cursor");
    }
  }
  // The journal first: if the delete fails, the cursor stays (and a retry finds it). Stores and
  // subscribes wait meanwhile: this holds cursor_write_mutex_ alone, and they take it shared.
  INVENTORY_RETURN_IF_ERROR(journal_->delete_cursor(name));
  std::lock_guard lock(subscribers_mutex_);
  cursors_.erase(std::string(name));
  return Status();
}

void SubscriptionHandle::cancel() {
  subscriber_->stop();
  if (feed_alive_->load(std::memory_order_acquire)) feed_->remove(subscriber_.get());
}

}  // namespace feed
}  // namespace inventory

// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The Python module `inventory` (pybind11) over the C++ API. Thin wrappers only: each method
// converts its Python arguments to a C++ request while it holds the GIL, releases the GIL for
// the engine call, and converts the answer back. No logic of the engine lives here.
//
// Errors: a failed Status is thrown as StatusError and translated into an instance of the
// inventory.Error subclass for its code, carrying .code, .field, .index and .message.
//
// Threads and the GIL:
// - Every engine call runs with the GIL released (PyEngine::call), so that a subscription's
//   dispatcher thread can take the GIL and deliver while a Python thread waits for an fsync.
// - PyEngine::close() must not destroy the engine under a running call: calls register in
//   Gate::in_flight under the GIL after checking closed_, and close() (which sets closed_ under
//   the GIL first) waits, without the GIL, until the count is zero.
// - A PyObserver holds the Python callables; it touches them only with the GIL. They are
//   dropped (under the GIL) when the subscription is cancelled or the engine closed, so the
//   observer's destructor, which may run on the dispatcher thread, has nothing to release.
// - Interpreter exit: an atexit hook closes every open engine (which cancels its
//   subscriptions) while threads can still take the GIL; a callback that arrives while the
//   interpreter is finalizing is refused (the engine would redeliver it) instead of calling in.

// Python.h (through pybind11) comes before the standard headers, as the Python docs require.
#include <pybind11/eval.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

// Then the rest.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "inventory/engine.h"
#include "inventory/version.h"

namespace py = pybind11;
namespace inv = inventory;

namespace {

// ---- Errors ----

// A failed Status on its way to Python. `closed` picks inventory.EngineClosed.
class StatusError : public std::exception {
 public:
  explicit StatusError(inv::Status status, bool closed = false)
      : status_(std::move(status)), what_(status_.to_string()), closed_(closed) {}
  const char* what() const noexcept override { return what_.c_str(); }
  const inv::Status& status() const noexcept { return status_; }
  bool closed() const noexcept { return closed_; }

 private:
  inv::Status status_;
  std::string what_;
  bool closed_;
};

[[noreturn]] void throw_invalid(std::string_view field, std::string_view message) {
  throw StatusError(inv::Status::invalid_argument(field, message));
}

[[noreturn]] void throw_closed() {
  throw StatusError(inv::Status(inv::StatusCode::failed_precondition, "the engine is closed"),
                    true);
}

void check(const inv::Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T value_of(inv::Result<T>&& result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).value();
}

constexpr int kCodeCount = static_cast<int>(inv::StatusCode::failed_precondition) + 1;

// The exception classes. Leaked references: they live as long as the interpreter, and nothing
// may decrement them from a static destructor after it has gone.
PyObject* g_error = nullptr;
PyObject* g_code_errors[kCodeCount] = {};
PyObject* g_engine_closed = nullptr;

// An instance (not raised) of the exception class for `status`.
py::object make_error(const inv::Status& status, bool closed = false) {
  const int code = static_cast<int>(status.code());
  PyObject* cls = closed ? g_engine_closed
                  : (code > 0 && code < kCodeCount && g_code_errors[code] != nullptr)
                      ? g_code_errors[code]
                      : g_error;
  py::object error = py::reinterpret_borrow<py::object>(cls)(status.to_string());
  error.attr("code") = py::str(std::string(inv::to_string(status.code())));
  error.attr("field") = py::str(std::string(status.field()));
  error.attr("index") = status.index() < 0 ? py::object(py::none()) : py::int_(status.index());
  error.attr("message") = py::str(std::string(status.message()));
  return error;
}

void raise_error(const py::object& error) {
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
}

// Creates inventory.<name> with the given bases and class attributes code, field, index.
PyObject* new_error_class(py::module_& m, const char* name, const char* doc, py::tuple bases,
                          const char* code) {
  const std::string qualified = std::string("inventory.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  py::handle handle(cls);
  handle.attr("code") = code;
  handle.attr("field") = "";
  handle.attr("index") = py::none();
  handle.attr("message") = "";
  m.add_object(name, handle);  // The module takes its own reference; ours is kept (leaked).
  return cls;
}

// ---- Time ----

py::handle g_epoch;      // datetime(1970, 1, 1, tzinfo=timezone.utc), leaked.
py::handle g_timedelta;  // datetime.timedelta, leaked.
py::handle g_datetime;   // datetime.datetime, leaked.

// An aware UTC datetime, or None for the unset time (0).
py::object to_datetime(inv::Timestamp t) {
  const std::int64_t ms = t.time_since_epoch().count();
  if (ms == 0) return py::none();
  return py::reinterpret_borrow<py::object>(g_epoch) + g_timedelta(py::arg("milliseconds") = ms);
}

// Seconds (int or float) or a datetime.timedelta, in milliseconds. `field` names it in errors.
std::chrono::milliseconds to_millis(const py::handle& value, std::string_view field) {
  double seconds = 0;
  if (py::isinstance(value, g_timedelta)) {
    seconds = value.attr("total_seconds")().cast<double>();
  } else if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
    seconds = value.cast<double>();
  } else {
    throw_invalid(field, "must be a number of seconds or a datetime.timedelta");
  }
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) {
    throw_invalid(field, "is out of range");
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

// A datetime (naive means local time, as datetime.timestamp() has it) or seconds since the
// epoch.
inv::Timestamp to_timestamp(const py::handle& value, std::string_view field) {
  double seconds = 0;
  if (py::isinstance(value, g_datetime)) {
    seconds = value.attr("timestamp")().cast<double>();
  } else if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
    seconds = value.cast<double>();
  } else {
    throw_invalid(field, "must be a datetime.datetime or seconds since the epoch");
  }
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) throw_invalid(field, "is out of range");
  return inv::Timestamp(std::chrono::milliseconds(std::llround(seconds * 1000)));
}

std::optional<inv::Timestamp> optional_timestamp(const py::object& value, std::string_view field) {
  if (value.is_none()) return std::nullopt;
  return to_timestamp(value, field);
}

// ---- Conversions in ----

template <typename T>
T to_integer(const py::handle& value, std::string_view field, long long min, long long max) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()))
    throw_invalid(field, "must be an int");
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || v < min || v > max) throw_invalid(field, "is out of range");
  return static_cast<T>(v);
}

bool to_bool(const py::handle& value, std::string_view field) {
  if (!PyBool_Check(value.ptr())) throw_invalid(field, "must be a bool");
  return value.ptr() == Py_True;
}

constexpr long long kU32 = 0xFFFFFFFFll;
constexpr long long kI64 = 0x7FFFFFFFFFFFFFFFll;

std::optional<inv::Version> optional_version(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  return inv::Version{to_integer<std::uint64_t>(value, "expected_version", 0, kI64)};
}

inv::Durability to_durability(const py::handle& value, std::string_view field) {
  const std::string name = py::str(value);
  if (name == "sync") return inv::Durability::sync;
  if (name == "buffered") return inv::Durability::buffered;
  if (name == "none") return inv::Durability::none;
  throw_invalid(field, "must be \"sync\", \"buffered\" or \"none\"");
}

inv::LocationType to_location_type(const std::string& name) {
  if (name == "warehouse") return inv::LocationType::warehouse;
  if (name == "store") return inv::LocationType::store;
  if (name == "marketplace") return inv::LocationType::marketplace;
  if (name == "transit") return inv::LocationType::transit;
  throw_invalid("location.type", "must be warehouse, store, marketplace or transit");
}

inv::UpsertMode to_mode(const std::string& name) {
  if (name == "create_or_replace") return inv::UpsertMode::create_or_replace;
  if (name == "create_only") return inv::UpsertMode::create_only;
  if (name == "replace_only") return inv::UpsertMode::replace_only;
  throw_invalid("mode", "must be create_or_replace, create_only or replace_only");
}

inv::Attributes to_attributes(const py::object& value, std::string_view field) {
  inv::Attributes out;
  if (value.is_none()) return out;
  if (!py::isinstance<py::dict>(value)) throw_invalid(field, "must be a dict of str to str");
  for (auto [key, item] : py::reinterpret_borrow<py::dict>(value)) {
    if (!py::isinstance<py::str>(key) || !py::isinstance<py::str>(item)) {
      throw_invalid(field, "must be a dict of str to str");
    }
    out[key.cast<std::string>()] = item.cast<std::string>();
  }
  return out;
}

inv::Price to_price(const py::object& value) {
  if (value.is_none()) return {};
  if (py::isinstance<py::sequence>(value) && !py::isinstance<py::str>(value) &&
      py::len(value) == 2) {
    py::sequence pair = py::reinterpret_borrow<py::sequence>(value);
    if (PyLong_Check(pair[0].ptr()) && py::isinstance<py::str>(pair[1])) {
      return {.amount_minor = pair[0].cast<std::int64_t>(),
              .currency = pair[1].cast<std::string>()};
    }
  }
  throw_invalid("product.price", "must be a tuple (amount_minor, currency), e.g. (1299, \"EUR\")");
}

// (item, quantity) pairs from a dict {item: quantity} or an iterable of pairs.
std::vector<inv::ReserveLine> to_lines(const py::object& value, std::string_view field) {
  std::vector<inv::ReserveLine> lines;
  if (value.is_none()) return lines;
  const auto add = [&](const py::handle& item, const py::handle& quantity) {
    lines.push_back({.item = inv::ItemId{item.cast<std::uint64_t>()},
                     .quantity = inv::Quantity{quantity.cast<std::int64_t>()}});
  };
  try {
    if (py::isinstance<py::dict>(value)) {
      for (auto [item, quantity] : py::reinterpret_borrow<py::dict>(value)) add(item, quantity);
      return lines;
    }
    for (const py::handle pair : value) {
      const py::tuple t = py::tuple(py::reinterpret_borrow<py::object>(pair));
      if (t.size() != 2) throw py::cast_error();
      add(t[0], t[1]);
    }
  } catch (const py::cast_error&) {
    throw_invalid(field, "must be (item, quantity) pairs or a dict {item: quantity}");
  } catch (const py::error_already_set&) {
    throw_invalid(field, "must be (item, quantity) pairs or a dict {item: quantity}");
  }
  return lines;
}

std::vector<inv::EventType> to_event_types(const py::object& value, std::string_view field) {
  std::vector<inv::EventType> types;
  if (value.is_none()) return types;
  if (py::isinstance<py::str>(value)) throw_invalid(field, "must be a list of event type names");
  std::size_t index = 0;
  for (const py::handle name : value) {
    const std::optional<inv::EventType> type =
        py::isinstance<py::str>(name) ? inv::event_type_from_string(name.cast<std::string>())
                                      : std::nullopt;
    if (!type) {
      throw_invalid(std::string(field) + "[" + std::to_string(index) + "]",
                    "is not an event type name such as \"stock.adjusted\"");
    }
    types.push_back(*type);
    ++index;
  }
  return types;
}

std::vector<std::string> to_strings(const py::object& value, std::string_view field) {
  std::vector<std::string> out;
  if (value.is_none()) return out;
  if (py::isinstance<py::str>(value)) throw_invalid(field, "must be a list of str");
  for (const py::handle s : value) {
    if (!py::isinstance<py::str>(s)) throw_invalid(field, "must be a list of str");
    out.push_back(s.cast<std::string>());
  }
  return out;
}

inv::EventFilter to_filter(const py::object& types, const py::object& locations) {
  return {.types = to_event_types(types, "types"),
          .location_ids = to_strings(locations, "locations")};
}

std::chrono::milliseconds optional_ttl(const py::object& value) {
  if (value.is_none()) return std::chrono::milliseconds(0);
  return to_millis(value, "ttl_seconds");
}

// The per-call WriteOptions, owning the strings that WriteOptions borrows.
struct WriteArgs {
  std::string idempotency_key;
  std::string actor;
  std::string request_id;
  std::optional<inv::Durability> durability;
  std::optional<inv::Timestamp> occurred_at;

  inv::WriteOptions options() const {
    return {.durability = durability,
            .idempotency_key = idempotency_key,
            .actor = actor,
            .request_id = request_id,
            .occurred_at = occurred_at};
  }
};

WriteArgs write_args(const py::object& idempotency_key, const std::string& actor,
                     const std::string& request_id, const py::object& durability,
                     const py::object& occurred_at) {
  WriteArgs args{.actor = actor, .request_id = request_id};
  if (!idempotency_key.is_none()) {
    if (!py::isinstance<py::str>(idempotency_key))
      throw_invalid("idempotency_key", "must be a str");
    args.idempotency_key = idempotency_key.cast<std::string>();
  }
  if (!durability.is_none()) args.durability = to_durability(durability, "durability");
  args.occurred_at = optional_timestamp(occurred_at, "occurred_at");
  return args;
}

// Every mutation takes these keyword-only arguments (see WriteArgs).
#define INVENTORY_PY_WRITE_PARAMS                                                             \
  const py::object &idempotency_key, const std::string &actor, const std::string &request_id, \
      const py::object &durability, const py::object &occurred_at
#define INVENTORY_PY_WRITE_ARGS                                                               \
  py::arg("idempotency_key") = py::none(), py::arg("actor") = "", py::arg("request_id") = "", \
  py::arg("durability") = py::none(), py::arg("occurred_at") = py::none()
#define INVENTORY_PY_WRITE write_args(idempotency_key, actor, request_id, durability, occurred_at)

// ---- Python liveness ----

bool python_alive() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsInitialized() != 0 && Py_IsFinalizing() == 0;
#else
  return Py_IsInitialized() != 0 && _Py_IsFinalizing() == 0;
#endif
}

// Depth of subscription callbacks running on this thread (a dispatcher thread).
thread_local int t_callback_depth = 0;

struct InCallback {
  InCallback() { ++t_callback_depth; }
  ~InCallback() { --t_callback_depth; }
  InCallback(const InCallback&) = delete;
  InCallback& operator=(const InCallback&) = delete;
};

// ---- Observer ----

class PyObserver final : public inv::Observer {
 public:
  PyObserver(py::object callback, py::object on_gap)
      : callback_(std::move(callback)), on_gap_(std::move(on_gap)) {}
  PyObserver(const PyObserver&) = delete;
  PyObserver& operator=(const PyObserver&) = delete;

  ~PyObserver() override {
    // Normally clear() ran already (under the GIL). Otherwise drop the references properly if
    // Python still runs, or leak them: decrementing without the GIL would corrupt it.
    if (!callback_ && !on_gap_) return;
    if (python_alive()) {
      py::gil_scoped_acquire gil;
      callback_ = py::object();
      on_gap_ = py::object();
    } else {
      callback_.release();
      on_gap_.release();
    }
  }

  // Dispatcher thread. Throwing makes the engine deliver the same batch again after a backoff.
  void on_events(std::span<const inv::Event> events) override {
    if (!python_alive()) throw std::runtime_error("the Python interpreter is shutting down");
    py::gil_scoped_acquire gil;
    py::object callback = callback_;  // clear() may drop ours while the callback runs.
    if (!callback) throw std::runtime_error("the subscription is cancelled");
    bool failed = false;
    try {
      py::list batch(events.size());
      for (std::size_t i = 0; i < events.size(); ++i) batch[i] = py::cast(events[i]);
      const InCallback in_callback;
      callback(batch);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable(callback);  // Printed through sys.unraisablehook.
      failed = true;
    }
    if (failed) throw std::runtime_error("the callback raised; the batch will be redelivered");
  }

  // Dispatcher thread. The engine does not repeat a gap notice, so a failure is only printed.
  void on_gap(std::uint64_t after, std::uint64_t last) override {
    if (!python_alive()) return;
    py::gil_scoped_acquire gil;
    py::object on_gap = on_gap_;
    if (!on_gap) return;
    try {
      const InCallback in_callback;
      on_gap(after, last);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable(on_gap);
    }
  }

  // Drops the Python callables; later batches are refused. REQUIRES: the GIL is held.
  void clear() {
    callback_ = py::object();
    on_gap_ = py::object();
  }

 private:
  // Read and written only with the GIL held.
  py::object callback_;
  py::object on_gap_;
};

// A subscription as Python sees it: the engine's handle and the observer.
class SubState {
 public:
  SubState(std::shared_ptr<PyObserver> observer, std::unique_ptr<inv::Subscription> handle)
      : observer_(std::move(observer)), handle_(std::move(handle)) {}
  SubState(const SubState&) = delete;
  SubState& operator=(const SubState&) = delete;
  ~SubState() {
    // Normally cancelled already (by cancel() or the engine's close). Destroying a live handle
    // waits for a running callback, which may need the GIL.
    if (!cancelled_.exchange(true)) {
      if (PyGILState_Check() != 0) {
        py::gil_scoped_release release;
        handle_->cancel();
      } else {
        handle_->cancel();
      }
    }
  }

  // Stops delivery and waits for a running callback (unless called from it), then drops the
  // Python callables. Idempotent. REQUIRES: the GIL is held.
  void cancel() {
    if (!cancelled_.exchange(true)) {
      py::gil_scoped_release release;
      handle_->cancel();
    }
    observer_->clear();
  }
  // The same without the GIL, for close(); the caller clears the observer.
  void cancel_without_gil() {
    if (!cancelled_.exchange(true)) handle_->cancel();
  }
  PyObserver& observer() { return *observer_; }
  bool cancelled() const noexcept { return cancelled_.load(); }
  std::uint64_t cursor() const noexcept { return handle_->cursor(); }
  const std::string& name() const noexcept { return handle_->name(); }

 private:
  std::shared_ptr<PyObserver> observer_;
  // Kept after cancel(): cursor() and name() still read it; its destructor then does nothing.
  std::unique_ptr<inv::Subscription> handle_;
  std::atomic<bool> cancelled_{false};
};

// ---- Engine ----

// Calls in flight, so that close() destroys the engine only after they return.
struct Gate {
  std::mutex mutex;
  std::condition_variable idle;
  int in_flight = 0;
};

class PyEngine;
std::set<PyEngine*>* g_open_engines = nullptr;  // Guarded by the GIL; leaked.

class PyEngine {
 public:
  PyEngine(std::unique_ptr<inv::Engine> engine, std::string path)
      : engine_(std::move(engine)), path_(std::move(path)) {
    g_open_engines->insert(this);
  }
  PyEngine(const PyEngine&) = delete;
  PyEngine& operator=(const PyEngine&) = delete;
  ~PyEngine() {
    try {
      close();
    } catch (...) {  // Why: a destructor must not throw; close() only throws on out of memory.
    }
  }

  // Runs f(engine) without the GIL. f must not touch Python objects. REQUIRES: the GIL is held.
  template <typename F>
  auto call(F&& f) {
    if (closed_) throw_closed();
    {
      std::lock_guard lock(gate_->mutex);
      ++gate_->in_flight;
    }
    struct Leave {
      Gate* gate;
      ~Leave() {
        std::lock_guard lock(gate->mutex);
        if (--gate->in_flight == 0) gate->idle.notify_all();
      }
    } leave{gate_.get()};
    inv::Engine* engine = engine_.get();
    py::gil_scoped_release release;
    return f(*engine);
  }

  // Cancels the subscriptions, waits for calls in flight, then closes the engine (which syncs
  // the journal and joins its threads). Idempotent. REQUIRES: the GIL is held.
  void close() {
    if (closed_) return;
    closed_ = true;
    g_open_engines->erase(this);
    std::vector<std::shared_ptr<SubState>> subscriptions = std::move(subscriptions_);
    subscriptions_.clear();
    for (auto& s : subscriptions) s->observer().clear();  // Later batches are refused.
    auto shut_down = [subscriptions = std::move(subscriptions), gate = gate_,
                      engine = std::move(engine_)]() mutable {
      for (auto& s : subscriptions) s->cancel_without_gil();
      {
        std::unique_lock lock(gate->mutex);
        gate->idle.wait(lock, [&] { return gate->in_flight == 0; });
      }
      engine.reset();
    };
    if (t_callback_depth > 0) {
      // Called from a subscription's own callback, which must return before its dispatcher
      // can be stopped (and before the engine it acknowledges to may go away).
      std::thread(std::move(shut_down)).detach();
      return;
    }
    py::gil_scoped_release release;
    shut_down();
  }

  std::shared_ptr<SubState> subscribe(const py::object& callback, const py::object& after,
                                      const std::string& cursor, const py::object& types,
                                      const py::object& locations, const py::object& on_gap,
                                      std::uint32_t max_batch) {
    if (PyCallable_Check(callback.ptr()) == 0) throw py::type_error("callback must be callable");
    if (!on_gap.is_none() && PyCallable_Check(on_gap.ptr()) == 0) {
      throw py::type_error("on_gap must be callable or None");
    }
    inv::SubscribeOptions options{
        .cursor = cursor, .filter = to_filter(types, locations), .max_batch = max_batch};
    if (!after.is_none()) options.after = to_integer<std::uint64_t>(after, "after", 0, kI64);
    auto observer =
        std::make_shared<PyObserver>(callback, on_gap.is_none() ? py::object() : on_gap);
    std::unique_ptr<inv::Subscription> handle;
    try {
      handle =
          call([&](inv::Engine& engine) { return value_of(engine.subscribe(observer, options)); });
    } catch (...) {
      observer->clear();
      throw;
    }
    auto state = std::make_shared<SubState>(std::move(observer), std::move(handle));
    if (closed_) {
      state->cancel();  // close() ran on another thread meanwhile.
      return state;
    }
    std::erase_if(subscriptions_, [](const auto& s) { return s->cancelled(); });
    subscriptions_.push_back(state);
    return state;
  }

  bool closed() const noexcept { return closed_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<inv::Engine> engine_;
  std::string path_;
  bool closed_ = false;                                   // Guarded by the GIL.
  std::vector<std::shared_ptr<SubState>> subscriptions_;  // Guarded by the GIL.
};

// ---- Open ----

// Sets one Limits field from a keyword argument; false if there is no such field.
bool set_limit(inv::Limits& l, const std::string& key, const py::handle& v) {
  const std::string f = "limits." + key;
  std::uint32_t* u32 = key == "items_max"                        ? &l.items_max
                       : key == "reservations_max"               ? &l.reservations_max
                       : key == "reservation_lines_max"          ? &l.reservation_lines_max
                       : key == "reservation_overflow_lines_max" ? &l.reservation_overflow_lines_max
                       : key == "batch_operations_max"           ? &l.batch_operations_max
                       : key == "idempotency_keys_max"           ? &l.idempotency_keys_max
                       : key == "key_length_max"                 ? &l.key_length_max
                       : key == "reference_length_max"           ? &l.reference_length_max
                       : key == "reason_length_max"              ? &l.reason_length_max
                       : key == "id_length_max"                  ? &l.id_length_max
                       : key == "name_length_max"                ? &l.name_length_max
                       : key == "description_length_max"         ? &l.description_length_max
                       : key == "attributes_max"                 ? &l.attributes_max
                       : key == "attribute_length_max"           ? &l.attribute_length_max
                       : key == "products_max"                   ? &l.products_max
                       : key == "locations_max"                  ? &l.locations_max
                       : key == "page_size_max"                  ? &l.page_size_max
                                                                 : nullptr;
  if (u32 != nullptr) {
    *u32 = to_integer<std::uint32_t>(v, f, 0, kU32);
    return true;
  }
  std::chrono::milliseconds* ms = key == "ttl_min"              ? &l.ttl_min
                                  : key == "ttl_max"            ? &l.ttl_max
                                  : key == "ttl_default"        ? &l.ttl_default
                                  : key == "idempotency_window" ? &l.idempotency_window
                                                                : nullptr;
  if (ms != nullptr) {
    *ms = to_millis(v, f);
    return true;
  }
  if (key == "adjustment_max") {
    l.adjustment_max = to_integer<std::int64_t>(v, f, -kI64, kI64);
    return true;
  }
  return false;
}

// Sets one Options (or Limits) field from a keyword argument; false if there is no such field.
bool set_option(inv::Options& o, const std::string& key, const py::handle& v) {
  if (key == "create_if_missing") {
    o.create_if_missing = to_bool(v, key);
  } else if (key == "error_if_exists") {
    o.error_if_exists = to_bool(v, key);
  } else if (key == "expiry_interval") {
    o.expiry_interval = to_millis(v, key);
  } else if (key == "flush_interval") {
    o.flush_interval = to_millis(v, key);
  } else if (key == "checkpoint_interval") {
    o.checkpoint_interval = to_millis(v, key);
  } else if (key == "checkpoint_records") {
    o.checkpoint_records = to_integer<std::uint64_t>(v, key, 0, kI64);
  } else if (key == "unusual_adjustment") {
    o.unusual_adjustment = to_integer<std::int64_t>(v, key, -kI64, kI64);
  } else if (key == "feed_buffer_events") {
    o.feed_buffer_events = to_integer<std::uint64_t>(v, key, 0, kI64);
  } else if (key == "feed_retention_events") {
    o.feed_retention_events = to_integer<std::uint64_t>(v, key, 0, kI64);
  } else if (key == "history_retention_events") {
    o.history_retention_events = to_integer<std::uint64_t>(v, key, 0, kI64);
  } else if (key == "clock") {
    if (!v.is_none() && !py::isinstance<inv::ManualClock>(v)) {
      throw_invalid(key, "must be an inventory.ManualClock or None");
    }
    if (!v.is_none()) o.clock = v.cast<std::shared_ptr<inv::ManualClock>>();
  } else {
    return set_limit(o.limits, key, v);
  }
  return true;
}

std::string to_path(const py::object& path) {
  if (path.is_none()) return {};
  const py::object fs_path = py::module_::import("os").attr("fspath")(path);
  return fs_path.cast<std::string>();
}

inv::Options make_options(const std::string& path, const py::object& durability,
                          const py::kwargs& kwargs, const char* function) {
  inv::Options options;
  options.durability = durability.is_none()
                           ? (path.empty() ? inv::Durability::none : inv::Durability::sync)
                           : to_durability(durability, "durability");
  for (auto [key, value] : kwargs) {
    const std::string name = key.cast<std::string>();
    if (!set_option(options, name, value)) {
      throw py::type_error(std::string(function) + "() got an unexpected keyword argument '" +
                           name + "'");
    }
  }
  return options;
}

std::unique_ptr<PyEngine> open_engine(const py::object& path_object, const py::object& durability,
                                      const py::kwargs& kwargs) {
  const std::string path = to_path(path_object);
  const inv::Options options = make_options(path, durability, kwargs, "open");
  std::unique_ptr<inv::Engine> engine;
  {
    py::gil_scoped_release release;
    engine = value_of(inv::Engine::open(options, path));
  }
  return std::make_unique<PyEngine>(std::move(engine), path);
}

// ---- Conversions out ----

template <typename E>
std::uint64_t raw(E id) {
  return static_cast<std::uint64_t>(id);
}

py::object optional_id(std::uint64_t id) {
  return id == 0 ? py::object(py::none()) : py::object(py::int_(id));
}

// A page of products, locations or items, as Python objects.
struct PyPage {
  py::list items;
  py::object next_cursor;
};

template <typename T>
PyPage to_page(inv::Page<T>&& page) {
  PyPage out;
  for (T& item : page.items) out.items.append(py::cast(std::move(item)));
  out.next_cursor =
      page.next_cursor ? py::object(py::str(*page.next_cursor)) : py::object(py::none());
  return out;
}

py::list to_event_list(std::vector<inv::Event>&& events) {
  py::list out(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) out[i] = py::cast(std::move(events[i]));
  return out;
}

py::list line_tuples(const std::vector<inv::ReserveLine>& lines) {
  py::list out;
  for (const inv::ReserveLine& line : lines) {
    out.append(py::make_tuple(raw(line.item), line.quantity.value()));
  }
  return out;
}

std::string repr_level(const inv::StockLevel& l) {
  return "StockLevel(item=" + std::to_string(raw(l.item)) +
         ", on_hand=" + std::to_string(l.on_hand.value()) +
         ", reserved=" + std::to_string(l.reserved.value()) +
         ", available=" + std::to_string(l.available().value()) +
         ", version=" + std::to_string(raw(l.version)) + ")";
}

std::string quote(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

// ---- Batch ----

struct PyBatch {
  inv::WriteBatch batch;
};

// The operations a dict in Engine.write may name: the Batch methods.
bool is_batch_op(const std::string& op) {
  static const std::set<std::string> ops = {"adjust",        "set_on_hand", "reserve",
                                            "reserve_lines", "confirm",     "release",
                                            "extend",        "transfer",    "set_policy"};
  return ops.contains(op);
}

inv::WriteBatch to_write_batch(const py::object& ops) {
  if (py::isinstance<PyBatch>(ops)) return ops.cast<const PyBatch&>().batch;
  if (py::isinstance<py::str>(ops) || py::isinstance<py::dict>(ops)) {
    throw_invalid("batch", "must be an inventory.Batch or a list of dicts");
  }
  py::object builder = py::type::of<PyBatch>()();
  std::size_t index = 0;
  for (const py::handle op : ops) {
    const std::string field = "operations[" + std::to_string(index) + "]";
    if (!py::isinstance<py::dict>(op)) throw_invalid(field, "must be a dict with an \"op\" key");
    py::dict kwargs = py::reinterpret_borrow<py::dict>(op).attr("copy")();
    if (!kwargs.contains("op") || !py::isinstance<py::str>(kwargs["op"])) {
      throw_invalid(field + ".op", "is missing");
    }
    const std::string name = kwargs["op"].cast<std::string>();
    if (!is_batch_op(name)) {
      throw_invalid(field + ".op",
                    "must be adjust, set_on_hand, reserve, reserve_lines, confirm, "
                    "release, extend, transfer or set_policy");
    }
    PyDict_DelItemString(kwargs.ptr(), "op");
    try {
      builder.attr(name.c_str())(**kwargs);
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_TypeError)) throw;
      throw StatusError(inv::Status(inv::StatusCode::invalid_argument, e.what(), field,
                                    static_cast<std::int32_t>(index)));
    }
    ++index;
  }
  return builder.cast<const PyBatch&>().batch;
}

// ---- Module ----

void bind_errors(py::module_& m) {
  const py::tuple exception_base = py::make_tuple(py::handle(PyExc_Exception));
  g_error = new_error_class(
      m, "Error",
      "Base class of every error the engine reports. Attributes: code (the StatusCode name, e.g.\n"
      "\"insufficient_stock\"), field (the request field the error is about, \"\" when none),\n"
      "index (the failing batch operation or request line, None when none) and message.",
      exception_base, "unknown");
  const py::handle error(g_error);
  struct Spec {
    inv::StatusCode code;
    const char* name;
    PyObject* extra_base;
    const char* doc;
  };
  const Spec specs[] = {
      {inv::StatusCode::invalid_argument, "InvalidArgument", PyExc_ValueError,
       "The request is malformed; fix the field named by .field. Never retry as is."},
      {inv::StatusCode::not_found, "NotFound", PyExc_LookupError,
       "The product, location, item or reservation does not exist (or was removed)."},
      {inv::StatusCode::already_exists, "AlreadyExists", nullptr,
       "A product or location with that id or SKU exists already (or a cursor name is in use)."},
      {inv::StatusCode::insufficient_stock, "InsufficientStock", nullptr,
       "Not enough available stock; wait for the state to change (restock, releases)."},
      {inv::StatusCode::version_conflict, "VersionConflict", nullptr,
       "The object changed since you read it; re-read and retry."},
      {inv::StatusCode::reservation_not_active, "ReservationNotActive", nullptr,
       "The reservation is confirmed, released or expired; the message says which."},
      {inv::StatusCode::idempotency_mismatch, "IdempotencyMismatch", nullptr,
       "The idempotency key was used before with a different request; use a new key."},
      {inv::StatusCode::limit_exceeded, "LimitExceeded", nullptr,
       "A configured limit would be exceeded; the message names it."},
      {inv::StatusCode::not_supported, "NotSupported", nullptr,
       "Not available in this configuration (e.g. the change feed of an in-memory engine)."},
      {inv::StatusCode::busy, "Busy", nullptr,
       "Transient contention (e.g. the same idempotency key is in flight); retry the call."},
      {inv::StatusCode::io_error, "IoError", PyExc_OSError,
       "A write or sync failed; the engine is read-only until it is reopened."},
      {inv::StatusCode::corruption, "Corruption", nullptr,
       "Stored data is damaged; stop and investigate. Never retry."},
      {inv::StatusCode::failed_precondition, "FailedPrecondition", nullptr,
       "The object is in a state that forbids the call; change the state first, or pass force."},
  };
  for (const Spec& spec : specs) {
    const py::tuple bases = spec.extra_base == nullptr
                                ? py::make_tuple(error)
                                : py::make_tuple(error, py::handle(spec.extra_base));
    g_code_errors[static_cast<int>(spec.code)] = new_error_class(
        m, spec.name, spec.doc, bases, std::string(inv::to_string(spec.code)).c_str());
  }
  g_engine_closed = new_error_class(
      m, "EngineClosed", "The engine was closed; open it again to use it.",
      py::make_tuple(
          py::handle(g_code_errors[static_cast<int>(inv::StatusCode::failed_precondition)])),
      "failed_precondition");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      raise_error(make_error(e.status(), e.closed()));
    }
  });
}

void bind_values(py::module_& m) {
  py::class_<inv::StockLevel>(m, "StockLevel",
                              "A consistent snapshot of one item (Engine.get and the mutations).")
      .def_property_readonly("item", [](const inv::StockLevel& l) { return raw(l.item); })
      .def_property_readonly("on_hand", [](const inv::StockLevel& l) { return l.on_hand.value(); })
      .def_property_readonly("reserved",
                             [](const inv::StockLevel& l) { return l.reserved.value(); })
      .def_property_readonly(
          "available", [](const inv::StockLevel& l) { return l.available().value(); },
          "on_hand - reserved.")
      .def_property_readonly(
          "reservable", [](const inv::StockLevel& l) { return l.reservable().value(); },
          "What a new reservation may still take: available - safety_stock + "
          "backorder_limit.")
      .def_property_readonly("low_stock", &inv::StockLevel::low_stock,
                             "available <= low_stock_threshold.")
      .def_property_readonly("safety_stock",
                             [](const inv::StockLevel& l) { return l.policy.safety_stock; })
      .def_property_readonly("low_stock_threshold",
                             [](const inv::StockLevel& l) { return l.policy.low_stock_threshold; })
      .def_property_readonly("backorder_limit",
                             [](const inv::StockLevel& l) { return l.policy.backorder_limit; })
      .def_property_readonly("version", [](const inv::StockLevel& l) { return raw(l.version); })
      .def_property_readonly("updated_at",
                             [](const inv::StockLevel& l) { return to_datetime(l.updated_at); })
      .def(
          "__eq__", [](const inv::StockLevel& a, const inv::StockLevel& b) { return a == b; },
          py::is_operator())
      .def("__repr__", &repr_level);

  py::class_<inv::Product>(m, "Product", "A product of the catalog.")
      .def_readonly("id", &inv::Product::id)
      .def_readonly("sku", &inv::Product::sku)
      .def_readonly("name", &inv::Product::name)
      .def_readonly("description", &inv::Product::description)
      .def_property_readonly(
          "price",
          [](const inv::Product& p) {
            return p.price.amount_minor == 0 && p.price.currency.empty()
                       ? py::object(py::none())
                       : py::object(py::make_tuple(p.price.amount_minor, p.price.currency));
          },
          "(amount_minor, currency), e.g. (1299, \"EUR\"); None when unset.")
      .def_readonly("attributes", &inv::Product::attributes)
      .def_property_readonly("created_at",
                             [](const inv::Product& p) { return to_datetime(p.created_at); })
      .def_property_readonly("updated_at",
                             [](const inv::Product& p) { return to_datetime(p.updated_at); })
      .def_property_readonly("version", [](const inv::Product& p) { return raw(p.version); })
      .def(
          "__eq__", [](const inv::Product& a, const inv::Product& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const inv::Product& p) {
        return "Product(id=" + quote(p.id) + ", sku=" + quote(p.sku) + ", name=" + quote(p.name) +
               ")";
      });

  py::class_<inv::Location>(m, "Location", "A warehouse, store, marketplace or transit location.")
      .def_readonly("id", &inv::Location::id)
      .def_readonly("name", &inv::Location::name)
      .def_property_readonly(
          "type", [](const inv::Location& l) { return std::string(inv::to_string(l.type)); })
      .def_readonly("attributes", &inv::Location::attributes)
      .def_property_readonly("created_at",
                             [](const inv::Location& l) { return to_datetime(l.created_at); })
      .def_property_readonly("updated_at",
                             [](const inv::Location& l) { return to_datetime(l.updated_at); })
      .def_property_readonly("version", [](const inv::Location& l) { return raw(l.version); })
      .def(
          "__eq__", [](const inv::Location& a, const inv::Location& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const inv::Location& l) {
        return "Location(id=" + quote(l.id) + ", name=" + quote(l.name) +
               ", type=" + quote(std::string(inv::to_string(l.type))) + ")";
      });

  py::class_<inv::ItemInfo>(m, "Item", "An item (a product at a location) with its stock level.")
      .def_property_readonly("id", [](const inv::ItemInfo& i) { return raw(i.level.item); })
      .def_readonly("product_id", &inv::ItemInfo::product_id)
      .def_readonly("location_id", &inv::ItemInfo::location_id)
      .def_readonly("level", &inv::ItemInfo::level)
      .def(
          "__eq__", [](const inv::ItemInfo& a, const inv::ItemInfo& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const inv::ItemInfo& i) {
        return "Item(id=" + std::to_string(raw(i.level.item)) +
               ", product_id=" + quote(i.product_id) + ", location_id=" + quote(i.location_id) +
               ", level=" + repr_level(i.level) + ")";
      });

  py::class_<inv::ReservationInfo>(m, "Reservation", "A reservation (hold) on one or more items.")
      .def_property_readonly("id", [](const inv::ReservationInfo& r) { return raw(r.id); })
      .def_property_readonly(
          "state",
          [](const inv::ReservationInfo& r) { return std::string(inv::to_string(r.state)); },
          "\"active\", \"confirmed\", \"released\" or \"expired\".")
      .def_property_readonly(
          "active",
          [](const inv::ReservationInfo& r) { return r.state == inv::ReservationState::active; })
      .def_property_readonly(
          "lines", [](const inv::ReservationInfo& r) { return line_tuples(r.lines); },
          "[(item, quantity), ...]")
      .def_readonly("reference", &inv::ReservationInfo::reference)
      .def_property_readonly(
          "created_at", [](const inv::ReservationInfo& r) { return to_datetime(r.created_at); })
      .def_property_readonly(
          "expires_at", [](const inv::ReservationInfo& r) { return to_datetime(r.expires_at); })
      .def("__repr__", [](const inv::ReservationInfo& r) {
        return "Reservation(id=" + std::to_string(raw(r.id)) +
               ", state=" + quote(std::string(inv::to_string(r.state))) +
               ", lines=" + py::repr(line_tuples(r.lines)).cast<std::string>() + ")";
      });

  py::class_<inv::Quantities>(m, "Quantities", "An item's on_hand, reserved and available.")
      .def_property_readonly("on_hand", [](const inv::Quantities& q) { return q.on_hand.value(); })
      .def_property_readonly("reserved",
                             [](const inv::Quantities& q) { return q.reserved.value(); })
      .def_property_readonly("available",
                             [](const inv::Quantities& q) { return q.available.value(); })
      .def(
          "__eq__", [](const inv::Quantities& a, const inv::Quantities& b) { return a == b; },
          py::is_operator())
      .def("__repr__", [](const inv::Quantities& q) {
        return "Quantities(on_hand=" + std::to_string(q.on_hand.value()) +
               ", reserved=" + std::to_string(q.reserved.value()) +
               ", available=" + std::to_string(q.available.value()) + ")";
      });

  py::class_<inv::Event>(m, "Event",
                         "One change-feed event. type is its name, e.g. \"stock.adjusted\", "
                         "\"reservation.reserved\", \"stock.low\" (see EVENT_TYPES).")
      .def_readonly("sequence", &inv::Event::sequence)
      .def_readonly("change", &inv::Event::change,
                    "Sequence of the first event of the same atomic change.")
      .def_property_readonly(
          "type", [](const inv::Event& e) { return std::string(inv::to_string(e.type)); })
      .def_property_readonly("item", [](const inv::Event& e) { return raw(e.item); })
      .def_property_readonly("reservation", [](const inv::Event& e) { return raw(e.reservation); })
      .def_readonly("product_id", &inv::Event::product_id)
      .def_readonly("location_id", &inv::Event::location_id)
      .def_readonly("before", &inv::Event::before)
      .def_readonly("after", &inv::Event::after)
      .def_readonly("delta", &inv::Event::delta)
      .def_property_readonly("version", [](const inv::Event& e) { return raw(e.version); })
      .def_readonly("reason", &inv::Event::reason)
      .def_readonly("reference", &inv::Event::reference)
      .def_readonly("actor", &inv::Event::actor)
      .def_readonly("request_id", &inv::Event::request_id)
      .def_property_readonly("occurred_at",
                             [](const inv::Event& e) { return to_datetime(e.occurred_at); })
      .def_property_readonly("recorded_at",
                             [](const inv::Event& e) { return to_datetime(e.recorded_at); })
      .def("__repr__", [](const inv::Event& e) {
        return "Event(sequence=" + std::to_string(e.sequence) +
               ", type=" + quote(std::string(inv::to_string(e.type))) +
               ", item=" + std::to_string(raw(e.item)) + ", delta=" + std::to_string(e.delta) +
               ", available=" + std::to_string(e.before.available.value()) + "->" +
               std::to_string(e.after.available.value()) + ")";
      });

  py::class_<inv::ChangesPage>(m, "ChangesPage", "A page of the change feed (Engine.changes_page).")
      .def_readonly("events", &inv::ChangesPage::events)
      .def_readonly("next_after", &inv::ChangesPage::next_after, "Pass as `after` to continue.")
      .def_readonly("head", &inv::ChangesPage::head, "Last durable sequence when read.")
      .def_readonly("trimmed_through", &inv::ChangesPage::trimmed_through,
                    "Nonzero when the events after `after` were trimmed from the journal.")
      .def("__len__", [](const inv::ChangesPage& p) { return p.events.size(); })
      .def("__iter__", [](const inv::ChangesPage& p) { return py::iter(py::cast(p.events)); });

  py::class_<inv::Hold>(m, "Hold", "One active reservation holding an item (Engine.explain).")
      .def_property_readonly("reservation", [](const inv::Hold& h) { return raw(h.reservation); })
      .def_property_readonly("quantity", [](const inv::Hold& h) { return h.quantity.value(); })
      .def_readonly("reference", &inv::Hold::reference)
      .def_property_readonly("created_at",
                             [](const inv::Hold& h) { return to_datetime(h.created_at); })
      .def_property_readonly("expires_at",
                             [](const inv::Hold& h) { return to_datetime(h.expires_at); });

  py::class_<inv::Explanation>(m, "Explanation", "Why an item's available is what it is.")
      .def_readonly("level", &inv::Explanation::level)
      .def_readonly("holds", &inv::Explanation::holds)
      .def_property_readonly("held", [](const inv::Explanation& x) { return x.held.value(); })
      .def_property_readonly("reservable",
                             [](const inv::Explanation& x) { return x.reservable.value(); })
      .def_readonly("summary", &inv::Explanation::summary)
      .def("__str__", [](const inv::Explanation& x) { return x.summary; });

  py::class_<inv::OperationResult>(m, "OperationResult", "The outcome of one batch operation.")
      .def_property_readonly("ok", [](const inv::OperationResult& r) { return r.status.ok(); })
      .def_property_readonly(
          "error",
          [](const inv::OperationResult& r) {
            return r.status.ok() ? py::object(py::none()) : make_error(r.status);
          },
          "The inventory.Error for a failed operation (not raised), else None.")
      .def_property_readonly(
          "levels", [](const inv::OperationResult& r) { return r.levels; },
          "Items after adjust, set_on_hand, set_policy and transfer.")
      .def_property_readonly(
          "reservation",
          [](const inv::OperationResult& r) { return optional_id(raw(r.reservation)); },
          "For reserve: the new reservation id.")
      .def_property_readonly(
          "expires_at", [](const inv::OperationResult& r) { return to_datetime(r.expires_at); })
      .def("__repr__", [](const inv::OperationResult& r) {
        return r.status.ok() ? std::string("OperationResult(ok)")
                             : "OperationResult(" + r.status.to_string() + ")";
      });

  py::class_<PyPage>(m, "Page", "A page of a list call: iterate it; next_cursor continues.")
      .def_readonly("items", &PyPage::items)
      .def_readonly("next_cursor", &PyPage::next_cursor, "None on the last page.")
      .def("__len__", [](const PyPage& p) { return py::len(p.items); })
      .def("__iter__", [](const PyPage& p) { return py::iter(p.items); })
      .def("__getitem__", [](const PyPage& p, const py::object& i) { return p.items[i]; })
      .def("__repr__", [](const PyPage& p) {
        return "Page(" + py::repr(p.items).cast<std::string>() +
               ", next_cursor=" + py::repr(p.next_cursor).cast<std::string>() + ")";
      });

  py::class_<inv::ManualClock, std::shared_ptr<inv::ManualClock>>(
      m, "ManualClock",
      "A clock that moves only when told to, for tests: open(..., clock=ManualClock()).")
      .def(py::init([](const py::object& start) {
             if (start.is_none()) return std::make_shared<inv::ManualClock>();
             return std::make_shared<inv::ManualClock>(to_timestamp(start, "start"));
           }),
           py::arg("start") = py::none(),
           "Starts at `start` (datetime or seconds since the epoch); default 2023-11-14T22:13:20Z.")
      .def(
          "now", [](const inv::ManualClock& c) { return to_datetime(c.now()); },
          "The current time (an aware UTC datetime).")
      .def(
          "advance",
          [](inv::ManualClock& c, const py::object& seconds) {
            const auto delta = to_millis(seconds, "seconds");
            if (delta.count() < 0) throw_invalid("seconds", "must not be negative");
            c.advance(delta);
          },
          py::arg("seconds"), "Moves the clock forward by seconds (a number or a timedelta).")
      .def(
          "set", [](inv::ManualClock& c, const py::object& t) { c.set(to_timestamp(t, "t")); },
          py::arg("t"), "Sets the clock to t if that is later than now.");
}

void bind_batch(py::module_& m) {
  py::class_<PyBatch>(
      m, "Batch",
      "An ordered list of stock operations for Engine.write: all or none (atomic=True) or each on\n"
      "its own. Every method returns the batch, so calls chain:\n\n"
      "    engine.write(inventory.Batch().reserve(a, 2).release(old_hold))")
      .def(py::init<>())
      .def(
          "adjust",
          [](PyBatch& b, std::uint64_t item, std::int64_t delta, const std::string& reason,
             const std::string& reference, bool force) -> PyBatch& {
            b.batch.adjust({.item = inv::ItemId{item},
                            .delta = inv::Quantity{delta},
                            .reason = reason,
                            .reference = reference,
                            .force = force});
            return b;
          },
          py::arg("item"), py::arg("delta"), py::arg("reason") = "", py::arg("reference") = "",
          py::arg("force") = false, py::return_value_policy::reference_internal,
          "Adds Engine.adjust(item, delta, ...).")
      .def(
          "set_on_hand",
          [](PyBatch& b, std::uint64_t item, std::int64_t on_hand, const std::string& reason,
             const std::string& reference, bool force,
             const py::object& expected_version) -> PyBatch& {
            b.batch.set_on_hand({.item = inv::ItemId{item},
                                 .on_hand = inv::Quantity{on_hand},
                                 .expected_version = optional_version(expected_version),
                                 .reason = reason,
                                 .reference = reference,
                                 .force = force});
            return b;
          },
          py::arg("item"), py::arg("on_hand"), py::arg("reason") = "", py::arg("reference") = "",
          py::arg("force") = false, py::arg("expected_version") = py::none(),
          py::return_value_policy::reference_internal, "Adds Engine.set_on_hand(...).")
      .def(
          "reserve",
          [](PyBatch& b, std::uint64_t item, std::int64_t quantity, const py::object& ttl_seconds,
             const std::string& reference) -> PyBatch& {
            b.batch.reserve(inv::ReserveRequest{.item = inv::ItemId{item},
                                                .quantity = inv::Quantity{quantity},
                                                .ttl = optional_ttl(ttl_seconds),
                                                .reference = reference});
            return b;
          },
          py::arg("item"), py::arg("quantity"), py::arg("ttl_seconds") = py::none(),
          py::arg("reference") = "", py::return_value_policy::reference_internal,
          "Adds Engine.reserve(...); its OperationResult carries the reservation id.")
      .def(
          "reserve_lines",
          [](PyBatch& b, const py::object& lines, const py::object& ttl_seconds,
             const std::string& reference) -> PyBatch& {
            const std::vector<inv::ReserveLine> v = to_lines(lines, "lines");
            b.batch.reserve(inv::ReserveLinesRequest{
                .lines = v, .ttl = optional_ttl(ttl_seconds), .reference = reference});
            return b;
          },
          py::arg("lines"), py::arg("ttl_seconds") = py::none(), py::arg("reference") = "",
          py::return_value_policy::reference_internal, "Adds Engine.reserve_lines(...).")
      .def(
          "confirm",
          [](PyBatch& b, std::uint64_t reservation, const py::object& quantities) -> PyBatch& {
            const std::vector<inv::ReserveLine> v = to_lines(quantities, "quantities");
            b.batch.confirm(inv::ConfirmRequest{inv::ReservationId{reservation}, v});
            return b;
          },
          py::arg("reservation"), py::arg("quantities") = py::none(),
          py::return_value_policy::reference_internal, "Adds Engine.confirm(...).")
      .def(
          "release",
          [](PyBatch& b, std::uint64_t reservation) -> PyBatch& {
            b.batch.release(inv::ReservationId{reservation});
            return b;
          },
          py::arg("reservation"), py::return_value_policy::reference_internal,
          "Adds Engine.release(reservation).")
      .def(
          "extend",
          [](PyBatch& b, std::uint64_t reservation, const py::object& ttl_seconds) -> PyBatch& {
            b.batch.extend(inv::ReservationId{reservation}, optional_ttl(ttl_seconds));
            return b;
          },
          py::arg("reservation"), py::arg("ttl_seconds") = py::none(),
          py::return_value_policy::reference_internal, "Adds Engine.extend(...).")
      .def(
          "transfer",
          [](PyBatch& b, std::uint64_t from_item, std::uint64_t to_item, std::int64_t quantity,
             const std::string& reason, const std::string& reference) -> PyBatch& {
            b.batch.transfer({.from = inv::ItemId{from_item},
                              .to = inv::ItemId{to_item},
                              .quantity = inv::Quantity{quantity},
                              .reason = reason,
                              .reference = reference});
            return b;
          },
          py::arg("from_item"), py::arg("to_item"), py::arg("quantity"), py::arg("reason") = "",
          py::arg("reference") = "", py::return_value_policy::reference_internal,
          "Adds Engine.transfer(...).")
      .def(
          "set_policy",
          [](PyBatch& b, std::uint64_t item, std::int64_t safety_stock,
             std::int64_t low_stock_threshold, std::int64_t backorder_limit,
             const py::object& expected_version) -> PyBatch& {
            b.batch.set_policy({.item = inv::ItemId{item},
                                .policy = {.safety_stock = safety_stock,
                                           .low_stock_threshold = low_stock_threshold,
                                           .backorder_limit = backorder_limit},
                                .expected_version = optional_version(expected_version)});
            return b;
          },
          py::arg("item"), py::arg("safety_stock") = 0, py::arg("low_stock_threshold") = 0,
          py::arg("backorder_limit") = 0, py::arg("expected_version") = py::none(),
          py::return_value_policy::reference_internal, "Adds Engine.set_policy(...).")
      .def(
          "clear", [](PyBatch& b) { b.batch.clear(); }, "Removes every operation.")
      .def("__len__", [](const PyBatch& b) { return b.batch.size(); })
      .def("__repr__", [](const PyBatch& b) {
        return "<inventory.Batch of " + std::to_string(b.batch.size()) + " operations>";
      });
}

void bind_subscription(py::module_& m) {
  py::class_<SubState, std::shared_ptr<SubState>>(
      m, "Subscription",
      "A live subscription (Engine.subscribe). It runs until cancel() or the engine's close();\n"
      "dropping the object does not stop it. Usable as a context manager (cancels on exit).")
      .def("cancel", &SubState::cancel,
           "Stops delivery and waits for a running callback to return (unless called from the\n"
           "callback itself). Idempotent.")
      .def_property_readonly("cursor", &SubState::cursor,
                             "Last sequence acknowledged by the callback.")
      .def_property_readonly("name", &SubState::name)
      .def_property_readonly("active", [](const SubState& s) { return !s.cancelled(); })
      .def(
          "__enter__", [](const std::shared_ptr<SubState>& s) { return s; },
          "Returns the subscription.")
      .def(
          "__exit__", [](SubState& s, const py::args&) { s.cancel(); }, "Cancels the subscription.")
      .def("__repr__", [](const SubState& s) {
        return "<inventory.Subscription " + quote(s.name()) +
               " cursor=" + std::to_string(s.cursor()) +
               (s.cancelled() ? " cancelled>" : " active>");
      });
}

constexpr const char* kOpenDoc = R"doc(Opens an engine.

path: a data directory (str or os.PathLike), created if needed; every change is journaled and
    recovered on the next open. None (the default): in memory only, without a change feed.
durability: when a mutation returns: "sync" (after its fsync; the default with a path),
    "buffered" (at once; on disk within flush_interval) or "none" (the only choice without a
    path, and its default).
Keyword arguments set the other Options and Limits fields by their C++ names, durations in
seconds (or datetime.timedelta): create_if_missing, error_if_exists, expiry_interval,
flush_interval, checkpoint_records, checkpoint_interval, unusual_adjustment,
feed_buffer_events, feed_retention_events, history_retention_events, clock (a ManualClock),
and the limits items_max, reservations_max, reservation_lines_max, batch_operations_max,
adjustment_max, ttl_min, ttl_max, ttl_default, idempotency_window, page_size_max, ...

Use it as a context manager to close it:  with inventory.open(path) as engine: ...)doc";

void bind_engine(py::module_& m) {
  py::class_<PyEngine> engine(
      m, "Engine",
      "An inventory engine (open one with inventory.open or Engine.open). Safe to use from\n"
      "several threads; every call releases the GIL while the engine works. Errors raise\n"
      "inventory.Error subclasses. Mutations also take the keyword-only arguments\n"
      "idempotency_key, actor, request_id, durability and occurred_at.");

  engine
      .def_static("open", &open_engine, py::arg("path") = py::none(),
                  py::arg("durability") = py::none(), kOpenDoc)
      .def_static(
          "verify",
          [](const py::object& path, const py::kwargs& kwargs) {
            const std::string p = to_path(path);
            const inv::Options options = make_options(p, py::none(), kwargs, "verify");
            inv::VerifyReport r;
            {
              py::gil_scoped_release release;
              r = value_of(inv::Engine::verify(options, p));
            }
            py::dict out;
            out["checkpoint_sequence"] = r.checkpoint_sequence;
            out["records_replayed"] = r.records_replayed;
            out["last_sequence"] = r.last_sequence;
            out["high_water_mark"] = r.high_water_mark;
            out["used_previous_checkpoint"] = r.used_previous_checkpoint;
            out["chain_head"] = r.chain_head;
            out["items"] = r.items;
            out["reservations_active"] = r.reservations_active;
            return out;
          },
          py::arg("path"),
          "Checks a closed data directory without changing it; returns a dict (last_sequence, "
          "items, chain_head, ...). Raises Corruption naming the damage.")
      .def("close", &PyEngine::close,
           "Cancels the subscriptions, syncs the journal and closes the engine. Later calls raise\n"
           "EngineClosed. Idempotent.")
      .def_property_readonly("closed", &PyEngine::closed)
      .def_property_readonly("path", &PyEngine::path, "The data directory; \"\" in memory.")
      .def(
          "__enter__", [](py::object self) { return self; }, "Returns the engine.")
      .def(
          "__exit__", [](PyEngine& self, const py::args&) { self.close(); },
          "Closes the engine (see close).")
      .def("__repr__", [](const PyEngine& self) {
        return "<inventory.Engine " +
               (self.path().empty() ? std::string("in memory") : quote(self.path())) +
               (self.closed() ? " closed>" : ">");
      });

  // ---- Catalog ----
  engine
      .def(
          "upsert_location",
          [](PyEngine& self, const std::string& id, const std::string& name,
             const std::string& type, const py::object& attributes, const std::string& mode,
             const py::object& expected_version, INVENTORY_PY_WRITE_PARAMS) {
            const inv::UpsertLocationRequest request{
                .location = {.id = id,
                             .name = name,
                             .type = to_location_type(type),
                             .attributes = to_attributes(attributes, "location.attributes")},
                .mode = to_mode(mode),
                .expected_version = optional_version(expected_version)};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return value_of(e.upsert_location(w.options(), request)); });
          },
          py::arg("id"), py::arg("name"), py::arg("type") = "warehouse",
          py::arg("attributes") = py::none(), py::kw_only(), py::arg("mode") = "create_or_replace",
          py::arg("expected_version") = py::none(), INVENTORY_PY_WRITE_ARGS,
          "Creates or replaces a location; returns the Location. type: \"warehouse\", \"store\",\n"
          "\"marketplace\" or \"transit\". mode: \"create_or_replace\", \"create_only\" or\n"
          "\"replace_only\". Raises InvalidArgument, NotFound (replace_only), AlreadyExists\n"
          "(create_only), VersionConflict, LimitExceeded.")
      .def(
          "upsert_product",
          [](PyEngine& self, const std::string& id, const std::string& sku, const std::string& name,
             const std::string& description, const py::object& price, const py::object& attributes,
             const std::string& mode, const py::object& expected_version,
             INVENTORY_PY_WRITE_PARAMS) {
            const inv::UpsertProductRequest request{
                .product = {.id = id,
                            .sku = sku,
                            .name = name,
                            .description = description,
                            .price = to_price(price),
                            .attributes = to_attributes(attributes, "product.attributes")},
                .mode = to_mode(mode),
                .expected_version = optional_version(expected_version)};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return value_of(e.upsert_product(w.options(), request)); });
          },
          py::arg("id"), py::arg("sku"), py::arg("name"), py::arg("description") = "",
          py::arg("price") = py::none(), py::arg("attributes") = py::none(), py::kw_only(),
          py::arg("mode") = "create_or_replace", py::arg("expected_version") = py::none(),
          INVENTORY_PY_WRITE_ARGS,
          "Creates or replaces a product; returns the Product. price: (amount_minor, currency),\n"
          "e.g. (1299, \"EUR\"). Raises InvalidArgument, NotFound (replace_only), AlreadyExists\n"
          "(create_only, or the SKU belongs to another product), VersionConflict, LimitExceeded.")
      .def(
          "upsert_item",
          [](PyEngine& self, const std::string& product_id, const std::string& location_id,
             std::int64_t safety_stock, std::int64_t low_stock_threshold,
             std::int64_t backorder_limit, const std::string& mode,
             const py::object& expected_version, INVENTORY_PY_WRITE_PARAMS) {
            const inv::UpsertItemRequest request{
                .product_id = product_id,
                .location_id = location_id,
                .policy = {.safety_stock = safety_stock,
                           .low_stock_threshold = low_stock_threshold,
                           .backorder_limit = backorder_limit},
                .mode = to_mode(mode),
                .expected_version = optional_version(expected_version)};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call([&](inv::Engine& e) {
              return raw(value_of(e.upsert_item(w.options(), request)).level.item);
            });
          },
          py::arg("product_id"), py::arg("location_id"), py::arg("safety_stock") = 0,
          py::arg("low_stock_threshold") = 0, py::arg("backorder_limit") = 0, py::kw_only(),
          py::arg("mode") = "create_or_replace", py::arg("expected_version") = py::none(),
          INVENTORY_PY_WRITE_ARGS,
          "Creates the item (product at location) if needed and sets its policy; returns the\n"
          "item id (int), which the stock calls take. mode: \"create_or_replace\",\n"
          "\"create_only\" (an existing item is left alone: AlreadyExists) or \"replace_only\".\n"
          "Raises InvalidArgument, NotFound (product or location; replace_only), AlreadyExists\n"
          "(create_only), VersionConflict, FailedPrecondition (policy below the current state),\n"
          "LimitExceeded.")
      .def(
          "remove_product",
          [](PyEngine& self, const std::string& id, bool force, INVENTORY_PY_WRITE_PARAMS) {
            const WriteArgs w = INVENTORY_PY_WRITE;
            self.call([&](inv::Engine& e) { check(e.remove_product(w.options(), id, force)); });
          },
          py::arg("id"), py::arg("force") = false, py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Removes a product and its items. Raises NotFound, FailedPrecondition (an item still\n"
          "has stock or holds and force is False).")
      .def(
          "remove_location",
          [](PyEngine& self, const std::string& id, bool force, INVENTORY_PY_WRITE_PARAMS) {
            const WriteArgs w = INVENTORY_PY_WRITE;
            self.call([&](inv::Engine& e) { check(e.remove_location(w.options(), id, force)); });
          },
          py::arg("id"), py::arg("force") = false, py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Removes a location and its items. Raises NotFound, FailedPrecondition.")
      .def(
          "remove_item",
          [](PyEngine& self, std::uint64_t item, bool force, INVENTORY_PY_WRITE_PARAMS) {
            const WriteArgs w = INVENTORY_PY_WRITE;
            self.call([&](inv::Engine& e) {
              check(e.remove_item(w.options(), inv::ItemId{item}, force));
            });
          },
          py::arg("item"), py::arg("force") = false, py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Removes an item. Raises NotFound, FailedPrecondition (stock or holds, without force).")
      .def(
          "get_product",
          [](PyEngine& self, const std::string& id) {
            return self.call([&](inv::Engine& e) { return value_of(e.get_product({}, id)); });
          },
          py::arg("id"), "The Product with this id. Raises NotFound.")
      .def(
          "find_product_by_sku",
          [](PyEngine& self, const std::string& sku) {
            return self.call(
                [&](inv::Engine& e) { return value_of(e.find_product_by_sku({}, sku)); });
          },
          py::arg("sku"), "The Product with this SKU. Raises NotFound.")
      .def(
          "get_location",
          [](PyEngine& self, const std::string& id) {
            return self.call([&](inv::Engine& e) { return value_of(e.get_location({}, id)); });
          },
          py::arg("id"), "The Location with this id. Raises NotFound.")
      .def(
          "find_item",
          [](PyEngine& self, const std::string& product_id, const std::string& location_id) {
            return self.call([&](inv::Engine& e) {
              return raw(value_of(e.find_item({}, product_id, location_id)));
            });
          },
          py::arg("product_id"), py::arg("location_id"),
          "The item id (int) of the product at the location. Raises NotFound.")
      .def(
          "get_item",
          [](PyEngine& self, std::uint64_t item) {
            return self.call(
                [&](inv::Engine& e) { return value_of(e.get_item({}, inv::ItemId{item})); });
          },
          py::arg("item"), "The Item (ids and stock level). Raises NotFound.")
      .def(
          "list_products",
          [](PyEngine& self, const py::object& cursor, std::uint32_t limit) {
            const inv::PageRequest page{
                .cursor = cursor.is_none() ? "" : cursor.cast<std::string>(), .limit = limit};
            return to_page(
                self.call([&](inv::Engine& e) { return value_of(e.list_products({}, page)); }));
          },
          py::arg("cursor") = py::none(), py::arg("limit") = 100,
          "One Page of products ordered by id; pass page.next_cursor to continue (or use\n"
          "iter_products). Raises InvalidArgument (cursor or limit).")
      .def(
          "list_locations",
          [](PyEngine& self, const py::object& cursor, std::uint32_t limit) {
            const inv::PageRequest page{
                .cursor = cursor.is_none() ? "" : cursor.cast<std::string>(), .limit = limit};
            return to_page(
                self.call([&](inv::Engine& e) { return value_of(e.list_locations({}, page)); }));
          },
          py::arg("cursor") = py::none(), py::arg("limit") = 100,
          "One Page of locations ordered by id (see list_products).")
      .def(
          "list_items",
          [](PyEngine& self, const py::object& product_id, const py::object& location_id,
             const py::object& updated_after, bool low_stock_only, const py::object& cursor,
             std::uint32_t limit) {
            inv::ItemFilter filter{
                .updated_after = optional_timestamp(updated_after, "updated_after"),
                .low_stock_only = low_stock_only};
            if (!product_id.is_none()) filter.product_id = product_id.cast<std::string>();
            if (!location_id.is_none()) filter.location_id = location_id.cast<std::string>();
            const inv::PageRequest page{
                .cursor = cursor.is_none() ? "" : cursor.cast<std::string>(), .limit = limit};
            return to_page(self.call(
                [&](inv::Engine& e) { return value_of(e.list_items({}, filter, page)); }));
          },
          py::kw_only(), py::arg("product_id") = py::none(), py::arg("location_id") = py::none(),
          py::arg("updated_after") = py::none(), py::arg("low_stock_only") = false,
          py::arg("cursor") = py::none(), py::arg("limit") = 100,
          "One Page of Items ordered by id, filtered (see iter_items).");

  // ---- Stock ----
  engine
      .def(
          "get",
          [](PyEngine& self, std::uint64_t item) {
            return self.call(
                [&](inv::Engine& e) { return value_of(e.get({}, inv::ItemId{item})); });
          },
          py::arg("item"),
          "The item's StockLevel (on_hand, reserved, available, ...). Raises NotFound.")
      .def(
          "adjust",
          [](PyEngine& self, std::uint64_t item, std::int64_t delta, const std::string& reason,
             const std::string& reference, bool force, INVENTORY_PY_WRITE_PARAMS) {
            const inv::AdjustRequest request{.item = inv::ItemId{item},
                                             .delta = inv::Quantity{delta},
                                             .reason = reason,
                                             .reference = reference,
                                             .force = force};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return value_of(e.adjust(w.options(), request)); });
          },
          py::arg("item"), py::arg("delta"), py::arg("reason") = "", py::arg("reference") = "",
          py::arg("force") = false, py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Changes on_hand by delta (restock +, shrinkage -); returns the StockLevel. force\n"
          "applies it even if available would fall below -backorder_limit. Raises\n"
          "InvalidArgument, NotFound, InsufficientStock, LimitExceeded; with an idempotency_key\n"
          "also IdempotencyMismatch and Busy (a retry with the same key and request returns the\n"
          "first answer and changes nothing).")
      .def(
          "set_on_hand",
          [](PyEngine& self, std::uint64_t item, std::int64_t on_hand, const std::string& reason,
             const std::string& reference, bool force, const py::object& expected_version,
             INVENTORY_PY_WRITE_PARAMS) {
            const inv::SetOnHandRequest request{
                .item = inv::ItemId{item},
                .on_hand = inv::Quantity{on_hand},
                .expected_version = optional_version(expected_version),
                .reason = reason,
                .reference = reference,
                .force = force};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return value_of(e.set_on_hand(w.options(), request)); });
          },
          py::arg("item"), py::arg("on_hand"), py::arg("reason") = "", py::arg("reference") = "",
          py::arg("force") = false, py::kw_only(), py::arg("expected_version") = py::none(),
          INVENTORY_PY_WRITE_ARGS,
          "Sets on_hand to a counted value (a compare-and-set with expected_version); returns the\n"
          "StockLevel. Raises InvalidArgument, NotFound, VersionConflict, InsufficientStock.")
      .def(
          "set_policy",
          [](PyEngine& self, std::uint64_t item, std::int64_t safety_stock,
             std::int64_t low_stock_threshold, std::int64_t backorder_limit,
             const py::object& expected_version, INVENTORY_PY_WRITE_PARAMS) {
            const inv::SetPolicyRequest request{
                .item = inv::ItemId{item},
                .policy = {.safety_stock = safety_stock,
                           .low_stock_threshold = low_stock_threshold,
                           .backorder_limit = backorder_limit},
                .expected_version = optional_version(expected_version)};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return value_of(e.set_policy(w.options(), request)); });
          },
          py::arg("item"), py::arg("safety_stock") = 0, py::arg("low_stock_threshold") = 0,
          py::arg("backorder_limit") = 0, py::kw_only(), py::arg("expected_version") = py::none(),
          INVENTORY_PY_WRITE_ARGS,
          "Replaces the item's whole policy; returns the StockLevel. Raises InvalidArgument,\n"
          "NotFound, VersionConflict, FailedPrecondition (below the current state).")
      .def(
          "reserve",
          [](PyEngine& self, std::uint64_t item, std::int64_t quantity,
             const py::object& ttl_seconds, const std::string& reference,
             INVENTORY_PY_WRITE_PARAMS) {
            const inv::ReserveRequest request{.item = inv::ItemId{item},
                                              .quantity = inv::Quantity{quantity},
                                              .ttl = optional_ttl(ttl_seconds),
                                              .reference = reference};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return raw(value_of(e.reserve(w.options(), request))); });
          },
          py::arg("item"), py::arg("quantity"), py::arg("ttl_seconds") = py::none(),
          py::arg("reference") = "", py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Holds quantity of item until confirmed, released or expired; returns the reservation\n"
          "id (int). ttl_seconds (a number or a timedelta; None: limits.ttl_default). Raises\n"
          "InvalidArgument, NotFound, LimitExceeded, InsufficientStock.")
      .def(
          "reserve_lines",
          [](PyEngine& self, const py::object& lines, const py::object& ttl_seconds,
             const std::string& reference, INVENTORY_PY_WRITE_PARAMS) {
            const std::vector<inv::ReserveLine> v = to_lines(lines, "lines");
            const inv::ReserveLinesRequest request{
                .lines = v, .ttl = optional_ttl(ttl_seconds), .reference = reference};
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call(
                [&](inv::Engine& e) { return raw(value_of(e.reserve(w.options(), request))); });
          },
          py::arg("lines"), py::arg("ttl_seconds") = py::none(), py::arg("reference") = "",
          py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Holds every line or none (a cart): lines is [(item, quantity), ...] or {item:\n"
          "quantity}; returns the reservation id. InsufficientStock names the short lines in its\n"
          "message and .index is the first of them.")
      .def(
          "confirm",
          [](PyEngine& self, std::uint64_t reservation, const py::object& quantities,
             INVENTORY_PY_WRITE_PARAMS) {
            const std::vector<inv::ReserveLine> v = to_lines(quantities, "quantities");
            const inv::ConfirmRequest request{inv::ReservationId{reservation}, v};
            const WriteArgs w = INVENTORY_PY_WRITE;
            self.call([&](inv::Engine& e) { check(e.confirm(w.options(), request)); });
          },
          py::arg("reservation"), py::arg("quantities") = py::none(), py::kw_only(),
          INVENTORY_PY_WRITE_ARGS,
          "Confirms the sale: takes the units out of on_hand and reserved together. quantities\n"
          "({item: quantity} or pairs) confirms part of each listed line and releases the rest.\n"
          "Raises InvalidArgument, NotFound, ReservationNotActive.")
      .def(
          "release",
          [](PyEngine& self, std::uint64_t reservation, INVENTORY_PY_WRITE_PARAMS) {
            const WriteArgs w = INVENTORY_PY_WRITE;
            self.call([&](inv::Engine& e) {
              check(e.release(w.options(), inv::ReservationId{reservation}));
            });
          },
          py::arg("reservation"), py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Releases the hold. Raises InvalidArgument, NotFound, ReservationNotActive.")
      .def(
          "extend",
          [](PyEngine& self, std::uint64_t reservation, const py::object& ttl_seconds,
             INVENTORY_PY_WRITE_PARAMS) {
            const std::chrono::milliseconds ttl = optional_ttl(ttl_seconds);
            const WriteArgs w = INVENTORY_PY_WRITE;
            return to_datetime(self.call([&](inv::Engine& e) {
              return value_of(e.extend(w.options(), inv::ReservationId{reservation}, ttl));
            }));
          },
          py::arg("reservation"), py::arg("ttl_seconds") = py::none(), py::kw_only(),
          INVENTORY_PY_WRITE_ARGS,
          "Moves the expiry to now + ttl_seconds (None: limits.ttl_default); returns the new\n"
          "expiry (datetime). Raises InvalidArgument, NotFound, ReservationNotActive.")
      .def(
          "get_reservation",
          [](PyEngine& self, std::uint64_t reservation) {
            return self.call([&](inv::Engine& e) {
              return value_of(e.get_reservation({}, inv::ReservationId{reservation}));
            });
          },
          py::arg("reservation"),
          "The Reservation (state, lines, reference, expires_at). Raises NotFound.")
      .def(
          "transfer",
          [](PyEngine& self, std::uint64_t from_item, std::uint64_t to_item, std::int64_t quantity,
             const std::string& reason, const std::string& reference, INVENTORY_PY_WRITE_PARAMS) {
            const inv::TransferRequest request{.from = inv::ItemId{from_item},
                                               .to = inv::ItemId{to_item},
                                               .quantity = inv::Quantity{quantity},
                                               .reason = reason,
                                               .reference = reference};
            const WriteArgs w = INVENTORY_PY_WRITE;
            inv::TransferReceipt receipt = self.call(
                [&](inv::Engine& e) { return value_of(e.transfer(w.options(), request)); });
            return py::make_tuple(receipt.from, receipt.to);
          },
          py::arg("from_item"), py::arg("to_item"), py::arg("quantity"), py::arg("reason") = "",
          py::arg("reference") = "", py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Moves on_hand between two items of the same product atomically; returns (from_level,\n"
          "to_level). Raises InvalidArgument, NotFound, InsufficientStock, LimitExceeded.")
      .def(
          "write",
          [](PyEngine& self, const py::object& ops, bool atomic, INVENTORY_PY_WRITE_PARAMS) {
            const inv::WriteBatch batch = to_write_batch(ops);
            const inv::BatchPolicy policy =
                atomic ? inv::BatchPolicy::all_or_nothing : inv::BatchPolicy::per_operation;
            const WriteArgs w = INVENTORY_PY_WRITE;
            return self.call([&](inv::Engine& e) {
              return value_of(e.write(w.options(), batch, policy)).results;
            });
          },
          py::arg("batch"), py::arg("atomic") = true, py::kw_only(), INVENTORY_PY_WRITE_ARGS,
          "Applies a Batch, or a list of dicts such as {\"op\": \"reserve\", \"item\": 1,\n"
          "\"quantity\": 2} (op: a Batch method, the other keys its arguments); returns one\n"
          "OperationResult per operation. atomic=True: every operation or none; a failure raises\n"
          "the first failing operation's error with .index set. atomic=False: each on its own;\n"
          "check each result's .ok / .error.")
      .def(
          "expire_due",
          [](PyEngine& self) { return self.call([](inv::Engine& e) { return e.expire_due(); }); },
          "Expires every reservation past its expiry now; returns how many.")
      .def(
          "check_invariants",
          [](PyEngine& self) { self.call([](inv::Engine& e) { check(e.check_invariants()); }); },
          "Checks every item against the reservations. Raises Corruption naming the first bad "
          "item.")
      .def(
          "sync", [](PyEngine& self) { self.call([](inv::Engine& e) { check(e.sync()); }); },
          "Makes everything applied so far durable. Raises IoError.")
      .def(
          "checkpoint",
          [](PyEngine& self) { self.call([](inv::Engine& e) { check(e.checkpoint()); }); },
          "Takes a checkpoint now, bounding the next recovery. Raises IoError.");

  // ---- Feed, audit and metrics ----
  engine
      .def("subscribe", &PyEngine::subscribe, py::arg("callback"), py::arg("after") = py::none(),
           py::arg("cursor") = "", py::arg("types") = py::none(), py::arg("locations") = py::none(),
           py::arg("on_gap") = py::none(), py::arg("max_batch") = 1000,
           "Calls callback(events) with each batch of durable events (a list of Event, in\n"
           "sequence order) on the subscription's own thread; returns a Subscription.\n"
           "after: deliver events with sequence > after (default: only new ones). cursor: a\n"
           "durable name; subscribing again with it resumes after the last acknowledged batch.\n"
           "types: event type names (e.g. [\"stock.low\"]); locations: location ids.\n"
           "on_gap(after, last): events that were trimmed and will never come.\n"
           "Returning acknowledges the batch; if the callback raises, the exception is printed\n"
           "(sys.unraisablehook) and the same batch is delivered again after a backoff.\n"
           "Raises InvalidArgument, AlreadyExists (cursor in use), NotSupported (in memory).")
      .def(
          "drop_cursor",
          [](PyEngine& self, const std::string& name) {
            self.call([&](inv::Engine& e) { check(e.drop_cursor(name)); });
          },
          py::arg("name"),
          "Forgets the stored durable cursor `name` of a consumer gone for good, so that it no\n"
          "longer holds the retained log; subscribing with the name again starts afresh. Cancel\n"
          "its subscription first. Raises InvalidArgument, NotFound (no such cursor),\n"
          "FailedPrecondition (a live subscription uses it), NotSupported (in memory).")
      .def(
          "changes_page",
          [](PyEngine& self, std::uint64_t after, std::uint32_t limit, const py::object& types,
             const py::object& locations) {
            const inv::EventFilter filter = to_filter(types, locations);
            return self.call(
                [&](inv::Engine& e) { return value_of(e.changes_since(after, limit, filter)); });
          },
          py::arg("after") = 0, py::arg("limit") = 100, py::arg("types") = py::none(),
          py::arg("locations") = py::none(),
          "Like changes_since, as a ChangesPage (events, next_after, head, trimmed_through).")
      .def(
          "changes_since",
          [](PyEngine& self, std::uint64_t after, std::uint32_t limit, const py::object& types,
             const py::object& locations) {
            const inv::EventFilter filter = to_filter(types, locations);
            return to_event_list(self.call([&](inv::Engine& e) {
              return value_of(e.changes_since(after, limit, filter)).events;
            }));
          },
          py::arg("after") = 0, py::arg("limit") = 100, py::arg("types") = py::none(),
          py::arg("locations") = py::none(),
          "Up to limit durable events with sequence > after (filtered), as a list of Event: the\n"
          "polling form of the feed. Scans at most 100 x limit events per call (changes_page\n"
          "says how far it got). Raises InvalidArgument, NotSupported (in memory).")
      .def(
          "history",
          [](PyEngine& self, std::uint64_t item, std::uint64_t after, const py::object& until,
             const py::object& since, std::uint32_t limit) {
            inv::HistoryRequest request{.item = inv::ItemId{item},
                                        .after = after,
                                        .since = optional_timestamp(since, "since"),
                                        .limit = limit};
            if (!until.is_none())
              request.until = to_integer<std::uint64_t>(until, "until", 0, kI64);
            return to_event_list(
                self.call([&](inv::Engine& e) { return value_of(e.history(request)); }));
          },
          py::arg("item"), py::arg("after") = 0, py::arg("until") = py::none(),
          py::arg("since") = py::none(), py::arg("limit") = 100,
          "The item's audit trail (list of Event, oldest first) within the retained journal.\n"
          "Raises InvalidArgument, NotSupported (in memory).")
      .def(
          "explain",
          [](PyEngine& self, std::uint64_t item) {
            return self.call(
                [&](inv::Engine& e) { return value_of(e.explain(inv::ItemId{item})); });
          },
          py::arg("item"),
          "Why available is what it is: an Explanation (level, holds, summary). Raises NotFound.")
      .def(
          "metrics_text",
          [](PyEngine& self) {
            return self.call([](inv::Engine& e) { return inv::to_prometheus(e.metrics()); });
          },
          "The engine's metrics in the Prometheus text exposition format.");
}

// Helpers that are simplest in Python: generators over every page of a list call.
constexpr const char* kPythonHelpers = R"py(
def _pages(fetch, page_size, **filters):
    cursor = None
    while True:
        page = fetch(cursor=cursor, limit=page_size, **filters)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor

def iter_products(self, page_size=100):
    """Every Product, ordered by id, fetched page_size at a time."""
    return _pages(self.list_products, page_size)

def iter_locations(self, page_size=100):
    """Every Location, ordered by id, fetched page_size at a time."""
    return _pages(self.list_locations, page_size)

def iter_items(self, *, product_id=None, location_id=None, updated_after=None,
               low_stock_only=False, page_size=100):
    """Every Item matching the filters (see list_items), fetched page_size at a time."""
    return _pages(self.list_items, page_size, product_id=product_id, location_id=location_id,
                  updated_after=updated_after, low_stock_only=low_stock_only)

Engine.iter_products = iter_products
Engine.iter_locations = iter_locations
Engine.iter_items = iter_items
for _f in (iter_products, iter_locations, iter_items):
    _f.__module__ = "inventory"
    _f.__qualname__ = "Engine." + _f.__name__
del _f
)py";

void bind_helpers(py::module_& m) {
  py::dict scope;
  scope["__builtins__"] = py::module_::import("builtins");
  scope["Engine"] = m.attr("Engine");
  py::exec(kPythonHelpers, scope);

  py::list names;
  for (int t = 1; t <= inv::kEventTypeMax; ++t) {
    names.append(std::string(inv::to_string(static_cast<inv::EventType>(t))));
  }
  m.attr("EVENT_TYPES") = py::tuple(names);

  m.def("open", &open_engine, py::arg("path") = py::none(), py::arg("durability") = py::none(),
        kOpenDoc);
  m.attr("verify") = m.attr("Engine").attr("verify");

  // Closes every open engine (and so stops its dispatcher threads) while threads can still
  // take the GIL; after this hook, the interpreter finalizes.
  m.def("_close_all", [] {
    const std::vector<PyEngine*> engines(g_open_engines->begin(), g_open_engines->end());
    for (PyEngine* e : engines) e->close();
  });
  py::module_::import("atexit").attr("register")(m.attr("_close_all"));
}

}  // namespace

PYBIND11_MODULE(inventory, m) {
  m.doc() = "inventory: an embeddable inventory engine (Python bindings over the C++ API).";
  m.attr("__version__") = INVENTORY_VERSION_STRING;
  g_open_engines = new std::set<PyEngine*>();  // Leaked: outlives every engine.
  {
    const py::module_ datetime = py::module_::import("datetime");
    g_datetime = py::object(datetime.attr("datetime")).release();
    g_timedelta = py::object(datetime.attr("timedelta")).release();
    g_epoch =
        datetime
            .attr("datetime")(1970, 1, 1, py::arg("tzinfo") = datetime.attr("timezone").attr("utc"))
            .release();
  }
  bind_errors(m);
  bind_values(m);
  bind_batch(m);
  bind_subscription(m);
  bind_engine(m);
  bind_helpers(m);
}

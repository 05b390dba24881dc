// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// inventory-bench on embedded SQLite, used the way a careful SQLite user would:
//
//   items(id INTEGER PRIMARY KEY, on_hand, reserved)
//   reservations(id INTEGER PRIMARY KEY, item, qty, state, expires_at)  -- one row per line
//   reservations_active ON reservations(expires_at) WHERE state = 0     -- for expiry
//
//   reserve: UPDATE items SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ?
//            then INSERT a reservation row (a cart: three of each; if a later line is short, the
//            earlier lines are given back in the same transaction, so no savepoint is needed)
//   confirm: UPDATE reservations SET state = confirmed WHERE id = ? AND state = active
//            then UPDATE items SET on_hand = on_hand - ?, reserved = reserved - ?
//   release: the same with state released and reserved - ? only
//
// Durability: sync is WAL with synchronous=FULL (an fsync per commit), buffered is WAL with
// synchronous=NORMAL (fsync at checkpoints only), none is synchronous=OFF on an in-memory
// database (the memdb VFS, shared by the run's connections, with an in-memory rollback journal).
//
// Grouping: with in-flight N a thread gathers the next write of each of its N slots and runs
// them in one BEGIN IMMEDIATE ... COMMIT (one fsync per N operations); with in-flight 1 every
// write commits on its own. Reads run outside write transactions. One connection per thread,
// with busy_timeout: SQLite lets one writer in at a time, and that is what is compared.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "driver.h"
#include <sqlite3.h>

namespace inventory_bench {

namespace {

constexpr int kConfirmed = 1;
constexpr int kReleased = 2;
constexpr int kExpired = 3;
// Expiry of a hold made without a ttl, as the engine's limits.ttl_default.
constexpr std::int64_t kDefaultTtlMs = 15 * 60 * 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "inventory-bench: sqlite: %s: %s\n", what,
               db != nullptr ? sqlite3_errmsg(db) : "out of memory");
  std::exit(1);
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "inventory-bench: sqlite: %s: %s\n", sql, error ? error : "?");
    sqlite3_free(error);
    std::exit(1);
  }
}

// A prepared statement, reset after each use.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      die(db, sql);
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // Runs a statement that returns no rows; returns the rows it changed.
  int run() {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) die(db_, sqlite3_sql(stmt_));
    return sqlite3_changes(db_);
  }
  // Steps a query: true while there is a row.
  bool row() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) die(db_, sqlite3_sql(stmt_));
    return false;
  }
  std::int64_t column(int index) { return sqlite3_column_int64(stmt_, index); }
  void reset() { sqlite3_reset(stmt_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

struct Database {
  std::string uri;  // A file path, or a memdb URI for durability none.
  bool memory = false;
  DurabilityKind durability = DurabilityKind::sync;
};

sqlite3* connect(const Database& database) {
  sqlite3* db = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(database.uri.c_str(), &db, flags, nullptr) != SQLITE_OK) die(db, "open");
  sqlite3_busy_timeout(db, 60'000);
  exec(db, database.memory ? "PRAGMA journal_mode = MEMORY" : "PRAGMA journal_mode = WAL");
  switch (database.durability) {
    case DurabilityKind::sync:
      exec(db, "PRAGMA synchronous = FULL");
      break;
    case DurabilityKind::buffered:
      exec(db, "PRAGMA synchronous = NORMAL");
      break;
    case DurabilityKind::none:
      exec(db, "PRAGMA synchronous = OFF");
      break;
  }
  exec(db, "PRAGMA cache_size = -65536");  // 64 MiB: the whole working set stays cached.
  exec(db, "PRAGMA temp_store = MEMORY");
  return db;
}

// One thread's connection and statements.
class Connection {
 public:
  explicit Connection(const Database& database)
      : db_(connect(database)),
        begin_(db_, "BEGIN IMMEDIATE"),
        commit_(db_, "COMMIT"),
        reserve_(db_,
                 "UPDATE items SET reserved = reserved + ?1 WHERE id = ?2 AND "
                 "on_hand - reserved >= ?1"),
        unreserve_(db_, "UPDATE items SET reserved = reserved - ?1 WHERE id = ?2"),
        insert_hold_(
            db_, "INSERT INTO reservations(item, qty, state, expires_at) VALUES(?1, ?2, 0, ?3)"),
        finish_hold_(db_, "UPDATE reservations SET state = ?2 WHERE id = ?1 AND state = 0"),
        sell_(db_,
              "UPDATE items SET on_hand = on_hand - ?1, reserved = reserved - ?1 WHERE id = ?2"),
        adjust_(db_,
                "UPDATE items SET on_hand = on_hand + ?1 WHERE id = ?2 AND "
                "on_hand + ?1 - reserved >= 0"),
        get_(db_, "SELECT on_hand, reserved FROM items WHERE id = ?1"),
        due_(db_, "SELECT id, item, qty FROM reservations WHERE state = 0 AND expires_at <= ?1") {}
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void begin() { begin_.run(); }
  void commit() { commit_.run(); }

  Outcome get(std::uint32_t item) {
    get_.bind(1, item + 1);
    if (!get_.row()) return Outcome::error;
    get_.reset();
    return Outcome::ok;
  }

  // REQUIRES: inside a transaction.
  Outcome write(const Op& op, Hold* hold) {
    switch (op.kind) {
      case OpKind::get:
        return get(op.items[0]);
      case OpKind::reserve:
        return reserve(op, hold);
      case OpKind::confirm:
      case OpKind::release: {
        const bool confirm = op.kind == OpKind::confirm;
        for (std::uint32_t line = 0; line < op.lines; ++line) {
          const auto handle = static_cast<std::int64_t>(op.handles[line]);
          if (finish_hold_.bind(1, handle).bind(2, confirm ? kConfirmed : kReleased).run() != 1) {
            return Outcome::error;  // Not active: expired or gone.
          }
          Statement& items = confirm ? sell_ : unreserve_;
          items.bind(1, op.quantity).bind(2, op.items[line] + 1).run();
        }
        return Outcome::ok;
      }
      case OpKind::adjust:
        return adjust_.bind(1, op.quantity).bind(2, op.items[0] + 1).run() == 1
                   ? Outcome::ok
                   : Outcome::insufficient_stock;
      case OpKind::restock:
        for (std::uint32_t i = op.items[0]; i < op.items[0] + kRestockBatchItems; ++i) {
          if (adjust_.bind(1, 1 + i % 3).bind(2, i + 1).run() != 1) return Outcome::error;
        }
        return Outcome::ok;
    }
    return Outcome::error;
  }

  // Expires due holds in a transaction of its own; the sweeper's connection calls it.
  void expire_due() {
    begin();
    struct Due {
      std::int64_t id, item, qty;
    };
    std::vector<Due> due;
    due_.bind(1, now_ms());
    while (due_.row()) due.push_back({due_.column(0), due_.column(1), due_.column(2)});
    for (const Due& d : due) {
      if (finish_hold_.bind(1, d.id).bind(2, kExpired).run() == 1) {
        unreserve_.bind(1, d.qty).bind(2, d.item).run();
      }
    }
    commit();
  }

 private:
  Outcome reserve(const Op& op, Hold* hold) {
    const std::int64_t expires =
        now_ms() + (op.ttl.count() > 0 ? static_cast<std::int64_t>(op.ttl.count()) : kDefaultTtlMs);
    for (std::uint32_t line = 0; line < op.lines; ++line) {
      const std::int64_t item = op.items[line] + 1;
      if (reserve_.bind(1, op.quantity).bind(2, item).run() != 1) {
        for (std::uint32_t undo = 0; undo < line; ++undo) {  // All lines or none.
          finish_hold_.bind(1, static_cast<std::int64_t>(hold->handles[undo]))
              .bind(2, kReleased)
              .run();
          unreserve_.bind(1, op.quantity).bind(2, op.items[undo] + 1).run();
        }
        return Outcome::insufficient_stock;
      }
      insert_hold_.bind(1, item).bind(2, op.quantity).bind(3, expires).run();
      hold->handles[line] = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_));
    }
    return Outcome::ok;
  }

  sqlite3* db_;
  Statement begin_, commit_, reserve_, unreserve_, insert_hold_, finish_hold_, sell_, adjust_, get_,
      due_;
};

Database create(const RunConfig& config, const Workload& workload, sqlite3** main) {
  static std::atomic<int> counter{0};
  Database database;
  database.durability = config.durability;
  database.memory = config.durability == DurabilityKind::none;
  if (database.memory) {
    // A name that starts with "/" makes the memdb database shared by this process's connections.
    database.uri = "file:/inventory-bench-" + std::to_string(counter.fetch_add(1)) + "?vfs=memdb";
  } else {
    std::filesystem::create_directories(config.dir);
    database.uri = config.dir + "/sqlite.db";
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(database.uri + suffix);
    }
  }
  *main = connect(database);
  exec(*main,
       "CREATE TABLE items(id INTEGER PRIMARY KEY, on_hand INTEGER NOT NULL, "
       "reserved INTEGER NOT NULL);"
       "CREATE TABLE reservations(id INTEGER PRIMARY KEY, item INTEGER NOT NULL, "
       "qty INTEGER NOT NULL, state INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
       "CREATE INDEX reservations_active ON reservations(expires_at) WHERE state = 0;");
  exec(*main, "BEGIN");
  {
    Statement insert(*main, "INSERT INTO items(id, on_hand, reserved) VALUES(?1, ?2, 0)");
    for (std::uint32_t i = 0; i < workload.items(); ++i) {
      insert.bind(1, i + 1).bind(2, workload.initial_on_hand()).run();
    }
  }
  exec(*main, "COMMIT");
  return database;
}

// Every thread: gather each slot's next write (running its reads on the way), then run the
// writes in one transaction and acknowledge them at its commit.
void run_thread(Connection& connection, const Workload& workload, ThreadState& state) {
  struct Write {
    std::size_t slot;
    Op op;
    Hold hold;
    Outcome outcome = Outcome::ok;
    SteadyClock::time_point issued;
  };
  std::vector<Write> writes;
  writes.reserve(state.slots.size());
  for (;;) {
    writes.clear();
    for (std::size_t i = 0; i < state.slots.size(); ++i) {
      Slot& slot = state.slots[i];
      while (!slot.finished) {
        Op op = workload.next(slot, state.rng);
        const auto issued = SteadyClock::now();
        if (state.stop(issued)) break;
        ++state.issued;
        if (op.kind == OpKind::get) {
          const Outcome outcome = connection.get(op.items[0]);
          state.histogram.add(elapsed_ns(issued, SteadyClock::now()));
          workload.done(slot, op, outcome, Hold{}, state.tally);
          continue;
        }
        writes.push_back({i, op, Hold{}, Outcome::ok, issued});
        break;
      }
    }
    if (writes.empty()) return;
    connection.begin();
    for (Write& w : writes) w.outcome = connection.write(w.op, &w.hold);
    connection.commit();
    const auto acked = SteadyClock::now();
    for (Write& w : writes) {
      state.histogram.add(elapsed_ns(w.issued, acked));
      workload.done(state.slots[w.slot], w.op, w.outcome, w.hold, state.tally);
    }
  }
}

FinalState read_back(sqlite3* db) {
  FinalState state;
  {
    Statement totals(db,
                     "SELECT SUM(on_hand), SUM(reserved), SUM(MAX(0, reserved - on_hand)) "
                     "FROM items");
    if (totals.row()) {
      state.on_hand_total = totals.column(0);
      state.reserved_total = totals.column(1);
      state.short_units = totals.column(2);
      totals.reset();
    }
  }
  // reserved must equal the sum of the item's active holds, and available must not be negative.
  Statement bad(db,
                "SELECT COUNT(*) FROM items i LEFT JOIN (SELECT item, SUM(qty) AS held FROM "
                "reservations WHERE state = 0 GROUP BY item) r ON r.item = i.id "
                "WHERE i.reserved != IFNULL(r.held, 0) OR i.on_hand - i.reserved < 0");
  if (bad.row()) {
    state.backend_violations = bad.column(0);
    bad.reset();
  }
  if (state.backend_violations > 0) {
    std::fprintf(stderr, "inventory-bench: sqlite: %lld items break the invariants\n",
                 static_cast<long long>(state.backend_violations));
  }
  return state;
}

}  // namespace

RunResult run_sqlite(const RunConfig& config, const Workload& workload) {
  sqlite3* main = nullptr;
  const Database database = create(config, workload, &main);
  std::vector<std::unique_ptr<Connection>> connections;
  for (int t = 0; t < config.threads; ++t) {
    connections.push_back(std::make_unique<Connection>(database));
  }
  std::vector<ThreadState> states;
  double seconds = 0;
  {
    Connection sweeping(database);
    Sweeper sweeper(workload.expires(), [&sweeping] { sweeping.expire_due(); });
    std::atomic<int> next_connection{0};
    seconds = run_threads(config, states, [&](ThreadState& state) {
      const auto t = static_cast<std::size_t>(next_connection.fetch_add(1));
      run_thread(*connections[t], workload, state);
    });
    sweeper.stop();
  }
  connections.clear();
  RunResult result;
  result.engine = "sqlite";
  result.threads = config.threads;
  result.in_flight = config.in_flight;
  result.durability = config.durability;
  finish_run(workload, states, seconds, read_back(main), &result);
  sqlite3_close(main);
  if (!database.memory) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(database.uri + suffix);
    }
  }
  return result;
}

}  // namespace inventory_bench

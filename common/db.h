// Thin RAII layer over libpq: one connection, parameterised statements, transactions, SQLSTATE.
// Why libpq and not Poco Data: docs/decisions.md. A Connection is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace chat::db {

// A failed statement or connection. sqlstate() is the five-character SQLSTATE ("" when the
// connection itself failed); connection_lost() tells callers a reconnect may help.
class Error : public std::runtime_error {
  public:
    Error(std::string message, std::string sqlstate, bool connection_lost)
        : std::runtime_error(std::move(message)),
          sqlstate_(std::move(sqlstate)),
          connection_lost_(connection_lost) {}
    const std::string& sqlstate() const { return sqlstate_; }
    bool connection_lost() const { return connection_lost_; }
    bool is_unique_violation() const { return sqlstate_ == "23505"; }

  private:
    std::string sqlstate_;
    bool connection_lost_;
};

// Statement parameters in text format; std::nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// Owns one PGresult. Cells are read as text; NULL is reported, never silently turned into 0.
class Result {
  public:
    explicit Result(PGresult* r) : r_(r, &PQclear) {}
    int rows() const { return PQntuples(r_.get()); }
    int columns() const { return PQnfields(r_.get()); }
    bool empty() const { return rows() == 0; }
    bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string_view text(int row, int col) const;
    std::string str(int row, int col) const { return std::string(text(row, col)); }
    std::optional<std::string> opt(int row, int col) const;
    // Throws Error if the cell is NULL or not a whole number in range.
    int64_t int64(int row, int col) const;
    bool boolean(int row, int col) const { return text(row, col) == "t"; }
    int column(const char* name) const;

  private:
    std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class Connection {
  public:
    // conninfo is a libpq connection string or URL. Throws Error when the server is unreachable.
    explicit Connection(std::string conninfo);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one statement with bound parameters (prepared once per connection, then reused).
    // Throws Error on failure; a lost connection is re-established on the next call, and one the
    // server closed while idle (a restart, pg_terminate_backend) before it is used.
    Result exec(const std::string& sql, const Params& params = {});
    // Runs a multi-statement script without parameters (migrations).
    void exec_script(const std::string& sql);

    int socket() const { return PQsocket(pg_.get()); }
    PGconn* raw() { return pg_.get(); }

  private:
    void ensure_connected();
    bool closed_while_idle();
    static void on_notice(void* self, const PGresult* r);
    [[noreturn]] void fail(PGresult* r, const std::string& what);

    std::string conninfo_;
    std::unique_ptr<PGconn, void (*)(PGconn*)> pg_;
    std::unordered_map<std::string, std::string> prepared_;  // sql text -> statement name
    bool server_ended_session_ = false;                      // a FATAL notice arrived
};

// Rolls back on destruction unless commit() was called.
class Transaction {
  public:
    explicit Transaction(Connection& c);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

  private:
    Connection& c_;
    bool done_ = false;
};

// Formats a PostgreSQL array literal (text[], or any type cast from it), quoting every element;
// std::nullopt is a NULL element.
std::string text_array(const std::vector<std::string>& items);
std::string text_array(const std::vector<Param>& items);
// Parses the text form of a one-dimensional int[] / bigint[] ("{1,2,3}").
std::vector<int64_t> parse_int_array(std::string_view literal);

}  // namespace chat::db

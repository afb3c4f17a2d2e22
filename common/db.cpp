#include "common/db.h"

#include <poll.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace chat::db {

std::string_view Result::text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
}

std::optional<std::string> Result::opt(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return str(row, col);
}

int64_t Result::int64(int row, int col) const {
    if (is_null(row, col))
        throw Error("unexpected NULL in column " + std::to_string(col), "", false);
    auto t = text(row, col);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size())
        throw Error("not an integer: " + std::string(t), "", false);
    return v;
}

int Result::column(const char* name) const {
    int c = PQfnumber(r_.get(), name);
    if (c < 0) throw Error(std::string("no column ") + name, "", false);
    return c;
}

Connection::Connection(std::string conninfo)
    : conninfo_(std::move(conninfo)), pg_(nullptr, &PQfinish) {
    ensure_connected();
}

// A server that restarts, or an administrator ending the backend, sends FATAL to idle
// connections and closes them; libpq only notices when the next statement fails. Reading what
// an idle connection has received lets the caller replace it before it is used.
bool Connection::closed_while_idle() {
    if (PQtransactionStatus(pg_.get()) != PQTRANS_IDLE) return false;
    pollfd p{PQsocket(pg_.get()), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) {
        if (PQconsumeInput(pg_.get()) == 0) return true;
        PQisBusy(pg_.get());  // parses what was read: an unsolicited FATAL reaches on_notice
    }
    return server_ended_session_ || PQstatus(pg_.get()) != CONNECTION_OK;
}

void Connection::on_notice(void* self, const PGresult* r) {
    const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0))
        static_cast<Connection*>(self)->server_ended_session_ = true;
    std::fputs(PQresultErrorMessage(r), stderr);  // what libpq's default receiver does
}

void Connection::ensure_connected() {
    if (pg_ && PQstatus(pg_.get()) == CONNECTION_OK && !closed_while_idle()) return;
    prepared_.clear();
    server_ended_session_ = false;
    pg_.reset(PQconnectdb(conninfo_.c_str()));
    if (PQstatus(pg_.get()) != CONNECTION_OK) {
        std::string msg = PQerrorMessage(pg_.get());
        pg_.reset();
        throw Error("database connection failed: " + msg, "", true);
    }
    PQsetNoticeReceiver(pg_.get(), &Connection::on_notice, this);
}

void Connection::fail(PGresult* r, const std::string& what) {
    std::string state;
    std::string msg = what;
    if (r) {
        if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
        msg += PQresultErrorMessage(r);
        PQclear(r);
    } else {
        msg += PQerrorMessage(pg_.get());
    }
    bool lost = PQstatus(pg_.get()) != CONNECTION_OK;
    if (lost) prepared_.clear();
    throw Error(msg, state, lost);
}

Result Connection::exec(const std::string& sql, const Params& params) {
    ensure_connected();
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
        std::string name = "s" + std::to_string(prepared_.size());
        PGresult* r = PQprepare(pg_.get(), name.c_str(), sql.c_str(), 0, nullptr);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "prepare failed: ");
        PQclear(r);
        it = prepared_.emplace(sql, std::move(name)).first;
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecPrepared(pg_.get(), it->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0);
    auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) fail(r, "");
    return Result(r);
}

void Connection::exec_script(const std::string& sql) {
    ensure_connected();
    PGresult* r = PQexec(pg_.get(), sql.c_str());
    auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) fail(r, "");
    PQclear(r);
}

Transaction::Transaction(Connection& c) : c_(c) {
    c_.exec_script("BEGIN");
}

Transaction::~Transaction() {
    if (done_) return;
    try {
        c_.exec_script("ROLLBACK");
    } catch (const Error&) {
        // The connection is gone; the server has rolled back already.
    }
}

void Transaction::commit() {
    c_.exec_script("COMMIT");
    done_ = true;
}

namespace {

void append_quoted(std::string& out, std::string_view item) {
    out += '"';
    for (char ch : item) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    out += '"';
}

}  // namespace

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        append_quoted(out, items[i]);
    }
    out += '}';
    return out;
}

std::string text_array(const std::vector<Param>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        if (items[i])
            append_quoted(out, *items[i]);
        else
            out += "NULL";
    }
    out += '}';
    return out;
}

std::vector<int64_t> parse_int_array(std::string_view s) {
    std::vector<int64_t> out;
    if (s.size() < 2 || s.front() != '{' || s.back() != '}') return out;
    s = s.substr(1, s.size() - 2);
    while (!s.empty()) {
        auto comma = s.find(',');
        auto item = s.substr(0, comma);
        int64_t v = 0;
        std::from_chars(item.data(), item.data() + item.size(), v);
        out.push_back(v);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace chat::db

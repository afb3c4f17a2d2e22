// chatctl: the admin CLI (users, limits, API keys). Talks to PostgreSQL directly (CHAT_DB_URL).
// A new key is printed once on stdout and nothing else is; messages go to stderr.
// Exit codes: 0 ok, 1 refused (unknown user, name taken), 2 usage, 3 database unavailable.
#include <cctype>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "api/admin/user_store.h"
#include "common/config.h"

namespace {

using chat::admin::Limits;
using chat::admin::UserStore;

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDatabase = 3;

const char* kUsage =
    "usage: chatctl COMMAND\n"
    "  user add NAME [--admin] [--max-chats N] [--rate N] [--max-running N]\n"
    "                              create a user; prints its API key once\n"
    "  user list                   list users, limits and active key counts\n"
    "  user disable NAME | user enable NAME\n"
    "  user limits NAME [--max-chats N] [--rate N] [--max-running N]\n"
    "  key create NAME             another API key for NAME (printed once)\n"
    "  key revoke KEY_ID           revoke a key (KEY_ID = the 12 hex digits after ck_)\n"
    "environment: CHAT_DB_URL (libpq connection string)\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

long parse_count(const std::string& flag, const std::string& text) {
    size_t used = 0;
    long v = -1;
    try {
        v = std::stol(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || v < 0 || v > 1'000'000'000)
        throw UsageError(flag + " needs a whole number from 0 to 1000000000, got '" + text + "'");
    return v;
}

// Parses the flags after NAME; --admin only where allowed.
Limits parse_flags(const std::vector<std::string>& args, size_t from, bool* admin) {
    Limits limits;
    for (size_t i = from; i < args.size(); ++i) {
        const std::string& f = args[i];
        if (f == "--admin" && admin) {
            *admin = true;
            continue;
        }
        if (i + 1 >= args.size()) throw UsageError("unknown or incomplete option '" + f + "'");
        long v = parse_count(f, args[i + 1]);
        if (f == "--max-chats")
            limits.max_conversations = v;
        else if (f == "--rate")
            limits.requests_per_minute = v;
        else if (f == "--max-running")
            limits.max_running_turns = v;
        else
            throw UsageError("unknown option '" + f + "'");
        ++i;
    }
    return limits;
}

void print_users(UserStore& store) {
    std::printf("%-24s %-5s %-8s %9s %8s %11s %4s %s\n", "NAME", "ADMIN", "STATE", "MAX_CHATS",
                "RATE/MIN", "MAX_RUNNING", "KEYS", "CREATED");
    for (const auto& u : store.list_users()) {
        std::printf("%-24s %-5s %-8s %9ld %8ld %11ld %4ld %s\n", u.name.c_str(),
                    u.is_admin ? "yes" : "no", u.disabled ? "disabled" : "active",
                    u.max_conversations, u.requests_per_minute, u.max_running_turns, u.active_keys,
                    u.created_at.c_str());
    }
}

// Names show up in logs and `user list`: keep them to a plain, printable alphabet.
const std::string& valid_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 64;
    for (char c : name) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    c == '.' || c == '@');
    }
    if (!ok) throw UsageError("a user name is 1-64 characters of A-Z a-z 0-9 _ - . @");
    return name;
}

void need(const std::vector<std::string>& args, size_t n) {
    if (args.size() < n) throw UsageError("missing argument");
}

int run(const std::vector<std::string>& args) {
    if (args[0] != "user" && args[0] != "key")
        throw UsageError("unknown command '" + args[0] + "'");
    need(args, 2);
    const std::string what = args[0] + " " + args[1];
    chat::db::Connection db(chat::Config::from_env().db_url);
    UserStore store(db);
    if (what == "user add") {
        need(args, 3);
        bool admin = false;
        Limits limits = parse_flags(args, 3, &admin);
        std::cout << store.add_user(valid_name(args[2]), admin, limits).text() << std::endl;
        std::cerr << "created user '" << args[2] << "'" << (admin ? " (admin)" : "") << "\n";
    } else if (what == "user list" && args.size() == 2) {
        print_users(store);
    } else if ((what == "user disable" || what == "user enable") && args.size() == 3) {
        store.set_disabled(args[2], args[1] == "disable");
        std::cerr << "user '" << args[2] << "' " << args[1] << "d\n";
    } else if (what == "user limits") {
        need(args, 3);
        store.set_limits(args[2], parse_flags(args, 3, nullptr));
        std::cerr << "limits of '" << args[2] << "' set\n";
    } else if (what == "key create" && args.size() == 3) {
        std::cout << store.create_key(args[2]).text() << std::endl;
    } else if (what == "key revoke" && args.size() == 3) {
        store.revoke_key(args[2]);
        std::cerr << "key " << args[2] << " revoked\n";
    } else {
        throw UsageError("unknown command '" + what + "'");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help") {
        std::cerr << kUsage;
        return args.empty() ? kExitUsage : 0;
    }
    try {
        return run(args);
    } catch (const UsageError& e) {
        std::cerr << "chatctl: " << e.what() << "\n" << kUsage;
        return kExitUsage;
    } catch (const chat::admin::AdminError& e) {
        std::cerr << "chatctl: " << e.what() << "\n";
        return kExitRefused;
    } catch (const chat::db::Error& e) {
        std::cerr << "chatctl: database error: " << e.what() << "\n";
        return e.connection_lost() || e.sqlstate().empty() ? kExitDatabase : kExitRefused;
    }
}

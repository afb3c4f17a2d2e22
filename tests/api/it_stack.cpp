#include "tests/api/it_stack.h"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/ids.h"

namespace chat::test::api {

Client client_with_key(const std::string& key) {
    return Client(require_env("CHAT_TEST_BASE_URL"), key);
}

Client user_client() {
    return client_with_key(require_env("CHAT_TEST_API_KEY"));
}

Client admin_client() {
    return client_with_key(require_env("CHAT_TEST_ADMIN_KEY"));
}

Client new_user(const std::vector<std::string>& flags) {
    std::vector<std::string> args{"user", "add", "rest-it-" + random_hex(6)};
    args.insert(args.end(), flags.begin(), flags.end());
    Poco::Pipe out, err;
    auto handle =
        Poco::Process::launch(require_env("CHAT_BIN_DIR") + "/chatctl", args, nullptr, &out, &err);
    Poco::PipeInputStream in(out), err_in(err);
    std::string text, diagnostics;
    Poco::StreamCopier::copyToString(in, text);
    Poco::StreamCopier::copyToString(err_in, diagnostics);
    int rc = handle.wait();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    auto key = text.substr(text.find_last_of('\n') + 1);
    if (rc != 0 || key.rfind("ck_", 0) != 0)
        throw std::runtime_error("chatctl user add failed (rc " + std::to_string(rc) +
                                 "): " + text);
    return client_with_key(key);
}

db::Connection& database() {
    static db::Connection conn(require_env("CHAT_DB_URL"));
    return conn;
}

std::string create_conversation(const Client& c, const std::string& title) {
    auto r = c.post("/api/v1/conversations", "{\"title\":" + quoted(title) + "}");
    if (r.status != 201) throw std::runtime_error("create conversation: " + r.body);
    return r.str("id");
}

Poco::JSON::Object::Ptr wait_turn_finished(const Client& c, const std::string& turn_id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto r = c.get("/api/v1/turns/" + turn_id);
        if (r.status != 200) throw std::runtime_error("GET turn: " + r.body);
        auto turn = r.json();
        auto status = turn->getValue<std::string>("status");
        if (status == "done" || status == "failed" || status == "cancelled") return turn;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("turn " + turn_id + " still " + status + " after 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval
    }
}

std::string quoted(const std::string& s) {
    std::ostringstream os;
    Poco::JSON::Stringifier::formatString(s, os);
    return os.str();
}

}  // namespace chat::test::api

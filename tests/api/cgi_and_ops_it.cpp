#include <boost/test/unit_test.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <thread>

#include "tests/api/it_stack.h"

using namespace chat::test::api;

namespace {

struct CgiOutput {
    int status = 0;
    std::string head;
    std::string body;
};

// Runs chat-api as a CGI program: the request in the environment, the body on stdin.
CgiOutput run_cgi(const std::string& method, const std::string& uri, const std::string& body,
                  const std::string& key, const std::string& content_length = "") {
    Poco::Process::Env env{
        {"REQUEST_METHOD", method},
        {"REQUEST_URI", uri},
        {"QUERY_STRING", ""},
        {"CONTENT_TYPE", "application/json"},
        {"CONTENT_LENGTH", content_length.empty() ? std::to_string(body.size()) : content_length},
        {"HTTP_AUTHORIZATION", "Bearer " + key},
        {"GATEWAY_INTERFACE", "CGI/1.1"},
        {"CHAT_API_LISTEN", ""},
        {"CHAT_DB_URL", require_env("CHAT_DB_URL")},
        {"CHAT_STREAM_SECRET", require_env("CHAT_STREAM_SECRET")},
        {"CHAT_BROKER_PUB", require_env("CHAT_BROKER_PUB")},
    };
    Poco::Pipe in, out;
    auto child = Poco::Process::launch(require_env("CHAT_BIN_DIR") + "/chat-api", {}, ".", &in,
                                       &out, nullptr, env);
    // Write the body from another thread so a large body cannot deadlock against stdout.
    std::thread writer([&] {
        try {
            Poco::PipeOutputStream w(in);
            w << body;
            w.close();
        } catch (const Poco::Exception&) {
            // The child may answer (413) without reading the whole body and close stdin.
        }
    });
    Poco::PipeInputStream r(out);
    std::string text;
    Poco::StreamCopier::copyToString(r, text);
    writer.join();
    int rc = child.wait();
    if (rc != 0) throw std::runtime_error("chat-api as CGI exited " + std::to_string(rc));
    CgiOutput o;
    auto end = text.find("\r\n\r\n");
    if (text.rfind("Status: ", 0) != 0 || end == std::string::npos)
        throw std::runtime_error("not a CGI response: " + text);
    o.status = std::stoi(text.substr(8, 3));
    o.head = text.substr(0, end);
    o.body = text.substr(end + 4);
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cgi_and_ops)

BOOST_AUTO_TEST_CASE(chat_api_serves_one_request_as_plain_cgi) {
    auto alice = new_user();
    auto created = run_cgi("POST", "/api/v1/conversations", R"({"title":"via CGI"})", alice.key());
    BOOST_TEST_REQUIRE(created.status == 201, created.head + created.body);
    BOOST_TEST(created.head.find("Content-Type: application/json") != std::string::npos);
    Poco::JSON::Parser parser;
    auto id =
        parser.parse(created.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");
    // The same conversation through nginx and the FastCGI handlers.
    auto through_nginx = alice.get("/api/v1/conversations/" + id);
    BOOST_TEST(through_nginx.status == 200);
    BOOST_TEST(through_nginx.str("title") == "via CGI");

    auto listed = run_cgi("GET", "/api/v1/conversations?limit=5", "", alice.key());
    BOOST_TEST(listed.status == 200, listed.body);
    BOOST_TEST(listed.body.find(id) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cgi_enforces_the_handlers_own_body_limit) {
    auto alice = new_user();
    std::string big(70000, ' ');
    auto r = run_cgi("POST", "/api/v1/conversations", big, alice.key());
    BOOST_TEST(r.status == 413, r.head + r.body);
    BOOST_TEST(r.head.find("application/problem+json") != std::string::npos);
    auto bad_key = run_cgi("GET", "/api/v1/conversations", "", "ck_no_such");
    BOOST_TEST(bad_key.status == 401);
}

BOOST_AUTO_TEST_CASE(healthz_reports_db_broker_and_workers) {
    auto r = user_client().send("GET", "/healthz", "", {{"Authorization", ""}});
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.str("db") == "ok");
    BOOST_TEST(r.str("broker") == "ok");
    BOOST_TEST(r.json()->getValue<int>("workers") >= 1);
}

BOOST_AUTO_TEST_CASE(metrics_are_prometheus_text) {
    auto c = user_client();
    c.get("/api/v1/conversations");
    auto r = c.get("/metrics");
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    BOOST_TEST(r.header("content-type").rfind("text/plain", 0) == 0u);
    BOOST_TEST(r.body.find("# TYPE chat_api_requests_total counter") != std::string::npos);
    BOOST_TEST(r.body.find("chat_api_requests_total{pid=\"") != std::string::npos);
    BOOST_TEST(r.body.find("status=\"200\"}") != std::string::npos);
    // What an operator alerts on is always there, zero or not; the ever-growing rest is not.
    for (const char* status : {"queued", "running", "failed"})
        BOOST_TEST(r.body.find(std::string("chat_turns{status=\"") + status + "\"} ") !=
                   std::string::npos);
    BOOST_TEST(r.body.find("chat_turns{status=\"done\"}") == std::string::npos);
}

// Probes and caches send HEAD: the GET's status and headers, no body.
BOOST_AUTO_TEST_CASE(head_answers_like_get_without_a_body) {
    auto c = user_client();
    for (const char* path : {"/healthz", "/metrics", "/api/v1/conversations"}) {
        BOOST_TEST_CONTEXT(path) {
            auto get = c.get(path);
            auto head = c.send("HEAD", path);
            BOOST_TEST(head.status == get.status);
            BOOST_TEST(head.header("content-type") == get.header("content-type"));
            BOOST_TEST(head.body.empty());
        }
    }
}

// nginx balances /metrics over the processes; a scraper asks each one by its number.
BOOST_AUTO_TEST_CASE(each_process_answers_its_own_metrics_path) {
    auto c = user_client();
    auto api = c.get("/metrics/api/1");
    BOOST_TEST_REQUIRE(api.status == 200, api.body);
    BOOST_TEST(api.body.find("chat_workers_alive") != std::string::npos);
    auto stream = c.get("/metrics/stream/1");
    BOOST_TEST_REQUIRE(stream.status == 200, stream.body);
    BOOST_TEST(stream.body.find("chat_stream_open_streams{pid=\"") != std::string::npos);
    BOOST_TEST(c.get("/metrics/api/2").status == 404);  // the test stack runs one of each
}

BOOST_AUTO_TEST_SUITE_END()

// nginx's own answers (nginx/nginx.conf.template): errors are problem+json like the application's,
// the web page is served alone and with its headers.
#define BOOST_TEST_MODULE nginx_errors_test
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

#include "tests/support/chat_test.h"

using namespace chat::test;

namespace {

void expect_problem(const HttpResponse& r, int status) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.header("content-type") == "application/problem+json");
    auto body = parse_object(r.body);
    BOOST_TEST(body->getValue<int>("status") == status);
    BOOST_TEST(!body->getValue<std::string>("title").empty());
    BOOST_TEST(body->has("type"));
    BOOST_TEST(body->has("detail"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(unknown_static_path_is_problem_json_404) {
    StackClient c;
    expect_problem(c.get("/no/such/file.html"), 404);
}

BOOST_AUTO_TEST_CASE(body_over_64k_is_problem_json_413) {
    StackClient c;
    std::string big = "{\"title\":\"" + std::string(70 * 1024, 'a') + "\"}";
    expect_problem(c.post("/api/v1/conversations", big), 413);
}

BOOST_AUTO_TEST_CASE(uri_too_long_is_problem_json_414) {
    StackClient c;
    // nginx answers before reading the whole request line and closes with unread bytes, so the
    // kernel may reset the connection before the client reads the answer: try up to 3 times.
    for (int attempt = 1;; ++attempt) {
        try {
            expect_problem(c.get("/api/v1/" + std::string(80 * 1024, 'a')), 414);
            return;
        } catch (const std::runtime_error& e) {
            BOOST_TEST_MESSAGE("attempt " << attempt << ": "
                                          << std::string(e.what()).substr(0, 40));
            if (attempt == 3) throw;
        }
    }
}

BOOST_AUTO_TEST_CASE(header_too_large_is_problem_json_431) {
    StackClient c;
    expect_problem(
        c.request("GET", "/api/v1/conversations", "", {{"X-Big", std::string(20 * 1024, 'b')}}),
        431);
}

BOOST_AUTO_TEST_CASE(method_not_allowed_on_static_is_problem_json_405) {
    StackClient c;
    expect_problem(c.request("DELETE", "/index.html"), 405);
}

// The page holds an API key: it must not be framed by another site (clickjacking).
BOOST_AUTO_TEST_CASE(the_web_page_is_served_with_headers_that_keep_it_out_of_frames) {
    StackClient c;
    for (const char* path : {"/", "/index.html", "/styles.css", "/js/app.js", "/js/chat-view.js",
                             "/vendor/marked.esm.js"}) {
        BOOST_TEST_CONTEXT(path) {
            auto r = c.get(path);
            BOOST_TEST(r.status == 200);
            BOOST_TEST(r.header("x-frame-options") == "DENY");
            BOOST_TEST(r.header("content-security-policy") == "frame-ancestors 'none'");
            BOOST_TEST(r.header("x-content-type-options") == "nosniff");
        }
    }
    BOOST_TEST(c.get("/").header("content-type") == "text/html");
}

BOOST_AUTO_TEST_CASE(files_beside_the_page_are_not_served) {
    StackClient c;
    for (const char* path :
         {"/README.md", "/package.json", "/package-lock.json", "/.gitignore",
          "/node_modules/marked/package.json", "/js/", "/vendor/LICENSE.marked"}) {
        BOOST_TEST_CONTEXT(path) {
            expect_problem(c.get(path), 404);
        }
    }
}

// nginx's 405s come only from the static locations, which serve GET and HEAD.
BOOST_AUTO_TEST_CASE(nginx_405_names_the_allowed_methods) {
    StackClient c;
    for (auto [method, path] :
         {std::pair{"POST", "/"}, {"DELETE", "/js/app.js"}, {"PUT", "/index.html"}}) {
        BOOST_TEST_CONTEXT(method << " " << path) {
            auto r = c.request(method, path);
            expect_problem(r, 405);
            BOOST_TEST(r.header("allow") == "GET, HEAD");
            BOOST_TEST(r.header("cache-control") == "no-store");
        }
    }
}

// A stream token is a credential: the access log keeps the stream's path, never its query.
BOOST_AUTO_TEST_CASE(stream_tokens_stay_out_of_the_access_log) {
    StackClient anonymous(TestEnv::from_env().base_url, "");
    const std::string path = "/api/v1/turns/00000000-0000-4000-8000-0000000000aa/stream";
    const std::string secret = "logcheck0123456789";
    BOOST_TEST(anonymous.get(path + "?token=1." + secret + "&after=3").status == 401);
    // nginx flushes its log buffer every second: wait for the line rather than a fixed time.
    const auto log_path = TestEnv::from_env().run_dir + "/logs/nginx-access.log";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string line;
    while (line.empty() && std::chrono::steady_clock::now() < deadline) {
        std::ifstream log(log_path);
        for (std::string l; std::getline(log, l);)
            if (l.find(path) != std::string::npos) line = l;
        if (line.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    BOOST_REQUIRE_MESSAGE(!line.empty(), "no access log line for " << path);
    BOOST_TEST(line.find(secret) == std::string::npos, line);
    BOOST_TEST(line.find("\"GET " + path + " HTTP/1.1\" 401") != std::string::npos, line);
}

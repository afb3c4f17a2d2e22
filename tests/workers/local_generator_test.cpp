// The built-in local generator: deterministic, conversation-dependent, cancellable, directives.
#define BOOST_TEST_MODULE local_generator
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "workers/local/local_generator.h"

using namespace chat::gen;

namespace {

Prompt prompt_with(const std::string& last, uint64_t seed = 7) {
    Prompt p;
    p.messages.push_back({"m1", "user", "an earlier question"});
    p.messages.push_back({"m2", "assistant", "an earlier answer"});
    p.messages.push_back({"m3", "user", last});
    p.seed = seed;
    return p;
}

std::string run(LocalGenerator& g, const Prompt& p, Result* out = nullptr) {
    std::string text;
    auto r = g.generate(p, [&](std::string_view t) {
        text += t;
        return true;
    });
    if (out) *out = r;
    return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(same_prompt_and_seed_give_the_same_reply) {
    LocalGenerator g({12, 0});
    BOOST_TEST(run(g, prompt_with("tell me about queues")) ==
               run(g, prompt_with("tell me about queues")));
    BOOST_TEST(run(g, prompt_with("tell me about queues", 1)) !=
               run(g, prompt_with("tell me about queues", 2)));
}

BOOST_AUTO_TEST_CASE(the_reply_depends_on_the_conversation) {
    LocalGenerator g({20, 0});
    auto a = run(g, prompt_with("explain PostgreSQL vacuum"));
    BOOST_TEST(a.find("PostgreSQL") != std::string::npos, a);
    BOOST_TEST(a != run(g, prompt_with("explain nginx buffering")));
}

BOOST_AUTO_TEST_CASE(emits_the_configured_number_of_tokens_and_reports_usage) {
    LocalGenerator g({37, 0});
    Result r;
    int n = 0;
    r = g.generate(prompt_with("count"), [&](std::string_view) { return ++n, true; });
    BOOST_TEST(n == 37);
    BOOST_TEST(r.usage.output_tokens == 37);
    BOOST_TEST(r.usage.input_tokens > 0);
    BOOST_TEST(r.usage.estimated);
    BOOST_TEST(r.finish_reason == "stop");
}

BOOST_AUTO_TEST_CASE(stops_within_a_token_when_the_sink_says_so) {
    LocalGenerator g({100, 0});
    int n = 0;
    auto r = g.generate(prompt_with("long"), [&](std::string_view) { return ++n < 5; });
    BOOST_TEST(n == 5);
    BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Cancelled));
}

BOOST_AUTO_TEST_CASE(fail_directives_anywhere_in_the_newest_message) {
    LocalGenerator g({8, 0});
    for (std::string msg : {"/fail-hard", "please fail /fail-hard", "/fail-hard please"}) {
        Result r;
        run(g, prompt_with(msg), &r);
        BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(Outcome::Failed), msg);
        BOOST_TEST(r.error_code == "bad_request");
        BOOST_TEST(!r.retryable);
    }
    Result r;
    run(g, prompt_with("try /fail now"), &r);
    BOOST_TEST(r.error_code == "upstream_unavailable");
    BOOST_TEST(r.retryable);
}

BOOST_AUTO_TEST_CASE(slow_directive_paces_tokens) {
    LocalGenerator g({5, 0});
    auto start = std::chrono::steady_clock::now();
    run(g, prompt_with("take it /slow"));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    BOOST_TEST(ms.count() >= 5 * 60);  // a lower bound only: never a timing assertion on speed
}

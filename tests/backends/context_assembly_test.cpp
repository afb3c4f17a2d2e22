#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "workers/backends/context_assembly.h"
#include "workers/backends/token_estimate.h"

using chat::backends::assemble_context;
using chat::backends::ContextBudget;
using chat::backends::estimate_tokens;
using chat::gen::PromptMessage;

namespace {

std::vector<PromptMessage> conversation(int turns, std::size_t chars_per_message) {
    std::vector<PromptMessage> history;
    for (int i = 0; i < turns; ++i) {
        history.push_back({"u" + std::to_string(i), "user", std::string(chars_per_message, 'q')});
        history.push_back(
            {"a" + std::to_string(i), "assistant", std::string(chars_per_message, 'a')});
    }
    history.push_back({"new", "user", "the newest question"});
    return history;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_estimate)

BOOST_AUTO_TEST_CASE(roughly_matches_bpe_counts) {
    BOOST_TEST(estimate_tokens("") == 0);
    BOOST_TEST(estimate_tokens("hello world") == 4);  // 2 letter runs of 5 -> 2 each
    BOOST_TEST(estimate_tokens("a, b.") == 4);
    BOOST_TEST(estimate_tokens("123456") == 2);
    BOOST_TEST(estimate_tokens("日本語") == 3);  // one per code point
    BOOST_TEST(estimate_tokens("   \n\t ") == 0);
}

BOOST_AUTO_TEST_CASE(grows_with_text_like_chars_over_four) {
    std::string prose;
    for (int i = 0; i < 100; ++i) prose += "the quick brown fox jumps over the lazy dog. ";
    auto n = estimate_tokens(prose);
    BOOST_TEST(n > static_cast<int64_t>(prose.size() / 6));
    BOOST_TEST(n < static_cast<int64_t>(prose.size() / 2));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(context_assembly)

BOOST_AUTO_TEST_CASE(system_prompt_joins_admin_context_and_agent_prompt) {
    auto ctx = assemble_context("Be safe.", "You are Ada.", conversation(0, 0), {});
    BOOST_TEST(ctx.prompt.system == "Be safe.\n\nYou are Ada.");
    BOOST_TEST(assemble_context("", "agent", {}, {}).prompt.system == "agent");
    BOOST_TEST(assemble_context("admin", "", {}, {}).prompt.system == "admin");
}

BOOST_AUTO_TEST_CASE(everything_fits_keeps_order_and_ids) {
    auto history = conversation(2, 20);
    auto ctx = assemble_context("sys", "", history, {8192, 1024});
    BOOST_REQUIRE_EQUAL(ctx.prompt.messages.size(), history.size());
    for (std::size_t i = 0; i < history.size(); ++i) {
        BOOST_TEST(ctx.prompt.messages[i].id == history[i].id);
        BOOST_TEST(ctx.message_ids[i] == history[i].id);
    }
    BOOST_TEST(ctx.dropped_messages == 0u);
    BOOST_TEST(!ctx.over_budget);
    BOOST_TEST(ctx.estimated_tokens > 0);
    BOOST_TEST(ctx.budget_tokens == 8192 - 1024);
}

BOOST_AUTO_TEST_CASE(drops_oldest_turns_first_and_never_starts_with_a_reply) {
    auto history = conversation(10, 400);  // each message ~100 tokens + framing
    auto ctx = assemble_context("system prompt", "", history, {800, 300});
    BOOST_TEST(ctx.estimated_tokens <= 500);
    BOOST_TEST(ctx.dropped_messages > 0u);
    BOOST_REQUIRE(!ctx.prompt.messages.empty());
    BOOST_TEST(ctx.prompt.messages.front().role == "user");
    BOOST_TEST(ctx.prompt.messages.back().id == "new");
    // What was kept is a contiguous suffix of the history.
    std::size_t offset = history.size() - ctx.prompt.messages.size();
    for (std::size_t i = 0; i < ctx.prompt.messages.size(); ++i) {
        BOOST_TEST(ctx.prompt.messages[i].id == history[offset + i].id);
    }
    BOOST_TEST(ctx.dropped_messages == offset);
}

BOOST_AUTO_TEST_CASE(newest_message_and_system_survive_an_impossible_budget) {
    std::vector<PromptMessage> history{{"old", "user", "hi"},
                                       {"r", "assistant", "hello"},
                                       {"new", "user", std::string(4000, 'x')}};
    auto ctx = assemble_context(std::string(4000, 's'), "", history, {100, 50});
    BOOST_TEST(ctx.over_budget);
    BOOST_REQUIRE_EQUAL(ctx.prompt.messages.size(), 1u);
    BOOST_TEST(ctx.prompt.messages[0].id == "new");
    BOOST_TEST(ctx.prompt.system.size() == 4000u);
    BOOST_TEST(ctx.dropped_messages == 2u);
}

BOOST_AUTO_TEST_CASE(empty_messages_are_skipped) {
    std::vector<PromptMessage> history{{"u1", "user", "question"},
                                       {"a1", "assistant", ""},  // a cancelled reply
                                       {"u2", "user", "again"}};
    auto ctx = assemble_context("", "", history, {});
    BOOST_REQUIRE_EQUAL(ctx.message_ids.size(), 2u);
    BOOST_TEST(ctx.message_ids[0] == "u1");
    BOOST_TEST(ctx.message_ids[1] == "u2");
}

BOOST_AUTO_TEST_CASE(to_json_records_what_was_sent) {
    auto ctx = assemble_context("sys", "", conversation(1, 10), {});
    auto obj = Poco::JSON::Parser().parse(ctx.to_json()).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(obj->getArray("message_ids")->size() == 3u);
    BOOST_TEST(obj->getValue<int64_t>("estimated_tokens") == ctx.estimated_tokens);
    BOOST_TEST(obj->getValue<int64_t>("dropped_messages") == 0);
    BOOST_TEST(obj->getValue<bool>("over_budget") == false);
}

BOOST_AUTO_TEST_SUITE_END()

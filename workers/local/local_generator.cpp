#include "workers/local/local_generator.h"

#include <cctype>
#include <chrono>
#include <random>
#include <thread>

#include "common/config.h"
#include "common/ids.h"

namespace chat::gen {
namespace {

const std::vector<std::string> kOpeners = {"Good question about", "Let us think about",
                                           "Here is a short take on", "Thanks for asking about",
                                           "A few thoughts on"};
const std::vector<std::string> kSentences = {
    "The simplest answer is usually the one that survives contact with real data.",
    "It helps to write down what you expect before you measure anything.",
    "Small steps that can be checked beat a large plan that cannot.",
    "Most of the cost hides in the parts nobody looked at twice.",
    "A good default today is better than a perfect option next month.",
    "Try it on a tiny example first, then grow it one piece at a time.",
    "When two goals conflict, name the one that matters more and say why.",
    "Logs and numbers settle arguments that opinions cannot.",
    "Keep the interface narrow and the failure modes loud.",
    "If it is hard to test, the design is telling you something."};

// The longest few words of the user's message, so the reply visibly depends on it.
std::vector<std::string> keywords(std::string_view text) {
    std::vector<std::string> words;
    std::string cur;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80)) {
            cur += c;
        } else if (!cur.empty()) {
            words.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) words.push_back(cur);
    std::stable_sort(words.begin(), words.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    if (words.size() > 3) words.resize(3);
    return words;
}

void split_words(const std::string& text, std::vector<std::string>& out) {
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find(' ', i + 1);
        if (j == std::string::npos) j = text.size();
        out.push_back(text.substr(i, j - i));
        i = j;
    }
}

}  // namespace

LocalOptions LocalOptions::from_env() {
    LocalOptions o;
    o.tokens = static_cast<int>(env_int("CHAT_LOCAL_TOKENS", 64));
    o.delay_ms = static_cast<int>(env_int("CHAT_LOCAL_DELAY_MS", 0));
    return o;
}

std::vector<std::string> local_reply_tokens(const Prompt& prompt, int count) {
    std::string last = prompt.messages.empty() ? "" : prompt.messages.back().content;
    uint64_t h = stable_hash(prompt.system);
    for (const auto& m : prompt.messages) h = stable_hash(m.content, h);
    std::mt19937_64 rng(h ^ prompt.seed);
    auto kw = keywords(last);
    std::string text = kOpeners[rng() % kOpeners.size()];
    if (kw.empty()) text += " that";
    for (size_t i = 0; i < kw.size(); ++i) text += (i ? ", " : " ") + kw[i];
    text += ".";
    std::vector<std::string> tokens;
    split_words(text, tokens);
    while (static_cast<int>(tokens.size()) < count) {
        split_words(" " + kSentences[rng() % kSentences.size()], tokens);
    }
    tokens.resize(static_cast<size_t>(std::max(count, 0)));
    return tokens;
}

Result LocalGenerator::generate(const Prompt& prompt, const TokenSink& sink) {
    Result res;
    res.usage.model = prompt.model.empty() ? "local" : prompt.model;
    res.usage.estimated = true;
    for (const auto& m : prompt.messages) res.usage.input_tokens += (m.content.size() + 3) / 4;
    res.usage.input_tokens += (prompt.system.size() + 3) / 4;
    // Not `cond ? "" : content`: that makes a temporary std::string and leaves the view dangling.
    std::string_view last;
    if (!prompt.messages.empty()) last = prompt.messages.back().content;
    if (last.find("/fail-hard") != std::string_view::npos) {
        res.outcome = Outcome::Failed;
        res.error_code = "bad_request";
        res.error_message = "the local generator was asked to fail (/fail-hard)";
        return res;
    }
    if (last.find("/fail") != std::string_view::npos) {
        res.outcome = Outcome::Failed;
        res.error_code = "upstream_unavailable";
        res.error_message = "the local generator was asked to fail (/fail)";
        res.retryable = true;
        return res;
    }
    int delay_ms = opts_.delay_ms;
    if (last.find("/slow") != std::string_view::npos) delay_ms = std::max(delay_ms, 60);
    for (const auto& tok : local_reply_tokens(prompt, opts_.tokens)) {
        if (delay_ms > 0) {
            sink.pause();
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        }
        if (!sink(tok)) {
            res.outcome = Outcome::Cancelled;
            res.finish_reason = "cancelled";
            return res;
        }
        ++res.usage.output_tokens;
    }
    res.finish_reason = "stop";
    return res;
}

}  // namespace chat::gen

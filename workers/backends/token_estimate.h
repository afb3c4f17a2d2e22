// Cheap token-count estimate for budgeting context and for usage when an upstream reports none.
// Approximates BPE tokenizers: a word piece of up to 4 letters, up to 3 digits, one punctuation
// mark or one non-ASCII character is about one token; whitespace rides along with the next word.
#pragma once

#include <cstdint>
#include <string_view>

namespace chat::backends {

int64_t estimate_tokens(std::string_view text);

// Per-message framing overhead (role markers, separators) that chat templates add.
inline constexpr int64_t kMessageOverheadTokens = 4;

}  // namespace chat::backends

// Reads single fields out of JSON text without building a tree: enough for the few fields the
// load tool needs (ids, stream_url, seq, text) at the rate tokens arrive.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chat::bench {

// The string value of the first "key": "..." at or after `from`, unescaped.
std::optional<std::string> json_string(std::string_view json, std::string_view key,
                                       size_t from = 0);
// The integer value of the first "key": N.
std::optional<long long> json_int(std::string_view json, std::string_view key, size_t from = 0);
// Escapes text as the inside of a JSON string.
std::string json_escape(std::string_view text);

}  // namespace chat::bench

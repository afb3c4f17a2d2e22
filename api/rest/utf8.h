// UTF-8 validation for request bodies and decoded JSON strings: PostgreSQL rejects invalid
// UTF-8, so it is caught here and answered with 400 instead of failing in the database.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace chat::rest {

// True when s is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Number of code points in s, or nullopt when s is not valid UTF-8.
std::optional<size_t> utf8_length(std::string_view s);

// True when s is empty or only whitespace (ASCII and the Unicode space characters).
// s must be valid UTF-8.
bool is_blank(std::string_view s);

}  // namespace chat::rest

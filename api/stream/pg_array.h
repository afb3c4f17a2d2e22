// Parses PostgreSQL's text output of a one-dimensional text[] ({a,"b c","d\"e"}).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::stream {

// The elements, unquoted and unescaped; nullopt when the literal is malformed or holds a NULL.
std::optional<std::vector<std::string>> parse_text_array(std::string_view literal);

}  // namespace chat::stream

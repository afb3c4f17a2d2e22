// Identifiers: UUID validation and random bytes.
#pragma once

#include <string>
#include <string_view>

namespace chat {

// True for the canonical 36-character textual UUID (any case).
bool is_uuid(std::string_view s);

// n random bytes from the kernel, hex encoded (2n characters).
std::string random_hex(size_t n);

}  // namespace chat

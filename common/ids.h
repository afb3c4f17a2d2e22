// Identifiers: UUID validation, random bytes and a hash that every process computes alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

// True for the canonical 36-character textual UUID (any case).
bool is_uuid(std::string_view s);

// n random bytes from the kernel, hex encoded (2n characters).
std::string random_hex(size_t n);

// 64-bit FNV-1a: the same on every machine and build (std::hash is not), for values that
// separate processes must agree on. Chain calls by passing the last result as `h`.
uint64_t stable_hash(std::string_view s, uint64_t h = 1469598103934665603ull);

}  // namespace chat

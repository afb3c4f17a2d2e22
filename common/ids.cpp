#include "common/ids.h"

#include <sys/random.h>

#include <stdexcept>
#include <vector>

namespace chat {

bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

std::string random_hex(size_t n) {
    std::vector<unsigned char> buf(n);
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf.data() + got, n - got, 0);
        if (r < 0) throw std::runtime_error("getrandom failed");
        got += static_cast<size_t>(r);
    }
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (unsigned char b : buf) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

uint64_t stable_hash(std::string_view s, uint64_t h) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace chat

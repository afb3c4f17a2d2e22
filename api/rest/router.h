// Method + path pattern matching for the routing table. Patterns are literal segments and
// "{id}" placeholders; a placeholder only matches a canonical UUID, so a malformed id is an
// unknown path (404) exactly like an id that does not exist.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chat::rest {

class Router {
  public:
    struct Match {
        enum class Kind { Found, NotFound, MethodNotAllowed };
        Kind kind = Kind::NotFound;
        size_t route = 0;                 // index given by add(), when Found
        std::vector<std::string> params;  // placeholder values in path order, when Found
        std::string allow;                // "GET, PATCH" when MethodNotAllowed
    };

    // Registers a route and returns its index (0, 1, 2, ... in call order).
    size_t add(std::string method, std::string_view pattern);
    Match match(std::string_view method, std::string_view path) const;

  private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
    };
    static bool matches(const Route& r, const std::vector<std::string_view>& path,
                        std::vector<std::string>* params);

    std::vector<Route> routes_;
};

}  // namespace chat::rest

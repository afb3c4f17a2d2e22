#include "api/rest/router.h"

#include "common/ids.h"

namespace chat::rest {
namespace {

constexpr std::string_view kPlaceholder = "{id}";

// "/a/b/c" -> {"a","b","c"}; an empty segment (double or trailing slash) is kept, so such
// paths never match a pattern.
std::vector<std::string_view> segments_of(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path[0] != '/') return out;
    path.remove_prefix(1);
    for (;;) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        path.remove_prefix(slash + 1);
    }
}

}  // namespace

size_t Router::add(std::string method, std::string_view pattern) {
    Route r{std::move(method), {}};
    for (auto s : segments_of(pattern)) r.segments.emplace_back(s);
    routes_.push_back(std::move(r));
    return routes_.size() - 1;
}

bool Router::matches(const Route& r, const std::vector<std::string_view>& path,
                     std::vector<std::string>* params) {
    if (r.segments.size() != path.size()) return false;
    for (size_t i = 0; i < path.size(); ++i) {
        if (r.segments[i] == kPlaceholder) {
            if (!is_uuid(path[i])) return false;
        } else if (r.segments[i] != path[i]) {
            return false;
        }
    }
    if (params) {
        params->clear();
        for (size_t i = 0; i < path.size(); ++i)
            if (r.segments[i] == kPlaceholder) params->emplace_back(path[i]);
    }
    return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
    Match m;
    auto segs = segments_of(path);
    if (segs.empty()) return m;
    for (size_t i = 0; i < routes_.size(); ++i) {
        if (!matches(routes_[i], segs, nullptr)) continue;
        // HEAD is GET without the body (RFC 9110 9.3.2); nginx drops the body we send.
        bool get = routes_[i].method == "GET";
        if (routes_[i].method == method || (get && method == "HEAD")) {
            m.kind = Match::Kind::Found;
            m.route = i;
            matches(routes_[i], segs, &m.params);
            return m;
        }
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += get ? "GET, HEAD" : routes_[i].method;
    }
    if (!m.allow.empty()) m.kind = Match::Kind::MethodNotAllowed;
    return m;
}

}  // namespace chat::rest

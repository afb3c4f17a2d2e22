#include "common/fcgi.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stdexcept>

extern char** environ;

namespace chat::fcgi {
namespace {

// "HTTP_X_REQUEST_ID" -> "x-request-id"
std::string header_name(std::string_view cgi_name) {
    std::string out;
    for (char c : cgi_name) out += c == '_' ? '-' : static_cast<char>(std::tolower(c));
    return out;
}

http::Request from_params(char** envp) {
    http::Request r;
    for (char** p = envp; p && *p; ++p) {
        std::string_view kv(*p);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        auto k = kv.substr(0, eq);
        std::string v(kv.substr(eq + 1));
        if (k == "REQUEST_METHOD")
            r.method = v;
        else if (k == "REQUEST_URI")
            r.path = v;
        else if (k == "QUERY_STRING")
            r.query = v;
        else if (k == "REMOTE_ADDR")
            r.remote_addr = v;
        else if (k == "CONTENT_TYPE")
            r.headers["content-type"] = v;
        else if (k == "CONTENT_LENGTH")
            r.headers["content-length"] = v;
        else if (k.substr(0, 5) == "HTTP_")
            r.headers[header_name(k.substr(5))] = v;
    }
    if (auto q = r.path.find('?'); q != std::string::npos) r.path.resize(q);
    return r;
}

size_t content_length(const http::Request& r) {
    const auto& v = r.header("content-length");
    return v.empty() ? 0 : std::strtoull(v.c_str(), nullptr, 10);
}

void append_record(std::string& out, unsigned char type, int id, std::string_view content) {
    unsigned char h[8] = {1,
                          type,
                          static_cast<unsigned char>((id >> 8) & 0xff),
                          static_cast<unsigned char>(id & 0xff),
                          static_cast<unsigned char>((content.size() >> 8) & 0xff),
                          static_cast<unsigned char>(content.size() & 0xff),
                          0,
                          0};
    out.append(reinterpret_cast<const char*>(h), sizeof h);
    out.append(content);
}

}  // namespace

void init() {
    static std::once_flag once;
    std::call_once(once, [] { FCGX_Init(); });
}

int listen(const std::string& address, int backlog) {
    init();
    bool is_path = !address.empty() && address[0] == '/';
    if (is_path) ::unlink(address.c_str());
    int fd = FCGX_OpenSocket(address.c_str(), backlog);
    if (fd < 0) throw std::runtime_error("cannot listen on " + address);
    // nginx workers run as another user; they must be able to connect.
    if (is_path) ::chmod(address.c_str(), 0666);
    return fd;
}

bool is_cgi() {
    init();
    return FCGX_IsCGI() != 0;
}

Request::Request(int listen_fd) {
    init();
    FCGX_InitRequest(&req_, listen_fd, 0);
}

Request::~Request() {
    if (active_) FCGX_Finish_r(&req_);
    FCGX_Free(&req_, 1);
}

bool Request::accept() {
    active_ = FCGX_Accept_r(&req_) >= 0;
    return active_;
}

http::Request Request::read(size_t max_body) {
    http::Request r = from_params(req_.envp);
    size_t want = content_length(r);
    if (want > max_body) {
        throw http::Error(413, "Request body too large",
                          "the body may be at most " + std::to_string(max_body) + " bytes");
    }
    r.body.resize(want);
    size_t got = 0;
    while (got < want) {
        int n = FCGX_GetStr(r.body.data() + got, static_cast<int>(want - got), req_.in);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    r.body.resize(got);
    return r;
}

void Request::write(std::string_view bytes) {
    FCGX_PutStr(bytes.data(), static_cast<int>(bytes.size()), req_.out);
}

void Request::flush() {
    FCGX_FFlush(req_.out);
}

void Request::finish() {
    if (active_) FCGX_Finish_r(&req_);
    active_ = false;
}

Request::Detached Request::detach() {
    Detached d{req_.ipcFd, req_.requestId};
    // Forget the connection before freeing, so libfcgi neither writes to nor closes it.
    req_.ipcFd = -1;
    FCGX_Free(&req_, 0);
    active_ = false;
    return d;
}

http::Request read_cgi_request(size_t max_body) {
    http::Request r = from_params(environ);
    size_t want = content_length(r);
    if (want > max_body) {
        throw http::Error(413, "Request body too large",
                          "the body may be at most " + std::to_string(max_body) + " bytes");
    }
    r.body.resize(want);
    std::cin.read(r.body.data(), static_cast<std::streamsize>(want));
    r.body.resize(static_cast<size_t>(std::cin.gcount()));
    return r;
}

void append_stdout_record(std::string& out, int request_id, std::string_view content) {
    while (content.size() > 0) {
        auto n = std::min<size_t>(content.size(), 65535);
        append_record(out, 6 /* FCGI_STDOUT */, request_id, content.substr(0, n));
        content.remove_prefix(n);
    }
}

void append_end_request(std::string& out, int request_id) {
    append_record(out, 6 /* FCGI_STDOUT */, request_id, {});  // empty record closes stdout
    const char body[8] = {0, 0, 0, 0, 0 /* FCGI_REQUEST_COMPLETE */, 0, 0, 0};
    append_record(out, 3 /* FCGI_END_REQUEST */, request_id, std::string_view(body, 8));
}

}  // namespace chat::fcgi

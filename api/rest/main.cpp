// chat-api: the REST handlers as a FastCGI server (--listen ADDR, CHAT_API_LISTEN, or the
// socket spawn-fcgi passes as stdin) or, started by a web server as CGI, one request.
#include <cstring>
#include <iostream>

#include "api/rest/fcgi_server.h"
#include "common/config.h"
#include "common/fcgi.h"
#include "common/log.h"

namespace {

chat::rest::ServerConfig config_from_env() {
    auto env = chat::Config::from_env();
    chat::rest::ServerConfig c;
    c.db_url = env.db_url;
    c.threads = static_cast<int>(chat::env_int("CHAT_API_THREADS", 4));
    c.max_body_bytes = static_cast<size_t>(chat::env_int("CHAT_MAX_BODY_BYTES", 65536));
    c.settings.stream_secret = env.stream_secret;
    c.settings.stream_token_ttl_s = env.stream_token_ttl_s;
    c.settings.broker_pub = env.broker_pub;
    if (c.threads < 1) c.threads = 1;
    return c;
}

std::string listen_address(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--listen") == 0) return argv[i + 1];
    return chat::env_or("CHAT_API_LISTEN", "");
}

}  // namespace

int main(int argc, char** argv) {
    chat::log::set_component("chat-api");
    try {
        auto config = config_from_env();
        if (config.settings.stream_secret.empty()) {
            chat::log::error("CHAT_STREAM_SECRET is required (it signs stream_url tokens)");
            return 2;
        }
        auto address = listen_address(argc, argv);
        if (address.empty() && chat::fcgi::is_cgi()) {
            chat::rest::serve_cgi(config);
            return 0;
        }
        int fd = address.empty() ? 0 : chat::fcgi::listen(address, 1024);
        chat::rest::serve_fastcgi(fd, config);
        return 0;
    } catch (const std::exception& e) {
        chat::log::error(std::string("chat-api: ") + e.what());
        return 1;
    }
}

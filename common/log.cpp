#include "common/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace chat::log {
namespace {
std::string g_component = "chat";
std::mutex g_mu;

void write(const char* level, std::string_view msg) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    gmtime_r(&ts.tv_sec, &t);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &t);
    std::lock_guard lock(g_mu);
    std::fprintf(stderr, "%s.%03ldZ %s %s %.*s\n", stamp, ts.tv_nsec / 1000000, level,
                 g_component.c_str(), static_cast<int>(msg.size()), msg.data());
}
}  // namespace

void set_component(std::string_view name) {
    g_component = std::string(name);
}
void info(std::string_view msg) {
    write("INFO", msg);
}
void warn(std::string_view msg) {
    write("WARN", msg);
}
void error(std::string_view msg) {
    write("ERROR", msg);
}

}  // namespace chat::log

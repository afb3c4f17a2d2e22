// Minimal structured logging to stderr: one line per event, "ts level component message".
#pragma once

#include <string_view>

namespace chat::log {

void set_component(std::string_view name);
void info(std::string_view msg);
void warn(std::string_view msg);
void error(std::string_view msg);

}  // namespace chat::log

// keel's log, written through spdlog to stderr as "[keel] [level] message".
//
// The level comes from KEEL_LOG_LEVEL (trace, debug, info, warn, error, critical, off;
// default warn) and can be changed with keel::set_log_level. spdlog stays out of the public
// headers: messages are plain strings, built only when `log_enabled(level)`.
#pragma once

#include <string>
#include <string_view>

namespace keel {

enum class LogLevel { trace, debug, info, warn, error, critical, off };

// ValueError naming KEEL_LOG_LEVEL-style names when `name` is unknown.
LogLevel parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);
void log(LogLevel level, const std::string& message);

}  // namespace keel

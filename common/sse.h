// Server-Sent Events framing (the one place that knows the wire format of an event).
#pragma once

#include <string>
#include <string_view>

namespace chat::sse {

// Appends one event to out: optional "id:", "event:", one "data:" line per line of data, and the
// terminating blank line. CR, LF and CRLF in data each start a new data line.
void append_event(std::string& out, std::string_view event, std::string_view data,
                  std::string_view id = {});

// Appends "retry: MS" so clients reconnect after that many milliseconds.
void append_retry(std::string& out, long ms);

// Appends a comment line (": text"), which clients ignore; used to open the stream promptly.
void append_comment(std::string& out, std::string_view text);

}  // namespace chat::sse

// The numeric status of a parsed Poco HTTP response. Poco keeps it in an enum whose declared range
// ends at 511, so reading e.g. Anthropic's 529 through getStatus() is an invalid enum load (UBSan
// reports it). This is the single place that reads it, built without the enum check.
#pragma once

#include <Poco/Net/HTTPResponse.h>

namespace chat::backends {

int status_code(const Poco::Net::HTTPResponse& response);

}  // namespace chat::backends

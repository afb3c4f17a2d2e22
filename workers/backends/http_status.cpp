#include "workers/backends/http_status.h"

namespace chat::backends {

int status_code(const Poco::Net::HTTPResponse& response) {
    return static_cast<int>(response.getStatus());
}

}  // namespace chat::backends

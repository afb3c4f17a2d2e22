#include "api/rest/notifier.h"

#include "common/log.h"
#include "common/wire.h"

namespace chat::rest {

Notifier::Notifier(zmq::context_t& ctx, const std::string& endpoint)
    : pub_(wire::make_publisher(ctx, endpoint)) {}

void Notifier::turn_queued(std::string_view turn_id) {
    try {
        wire::publish_wake(pub_, turn_id);
    } catch (const zmq::error_t& e) {
        log::warn(std::string("queue wake-up not sent: ") + e.what());
    }
}

void Notifier::cancel(std::string_view turn_id) {
    try {
        wire::publish_cancel(pub_, turn_id);
    } catch (const zmq::error_t& e) {
        log::warn(std::string("cancel not sent: ") + e.what());
    }
}

}  // namespace chat::rest

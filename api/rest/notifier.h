// Tells workers about queue changes over the broker (wire.h topics "w/<shard>" and "c/<turn>").
// Always called after the database commit. A lost message is harmless (workers also poll
// and check cancel_requested), so send failures are logged, never thrown.
#pragma once

#include <zmq.hpp>

#include <string>
#include <string_view>

namespace chat::rest {

class Notifier {
  public:
    // Connects a PUB socket to the broker's XSUB endpoint. One Notifier per thread.
    Notifier(zmq::context_t& ctx, const std::string& broker_pub_endpoint);
    void turn_queued(std::string_view turn_id);
    void cancel(std::string_view turn_id);

  private:
    zmq::socket_t pub_;
};

}  // namespace chat::rest

// chat-broker: the ZeroMQ forwarder between publishers (api, workers) and subscribers (stream
// handlers, workers). Stateless; losing it pauses the live feed, never data (see common/wire.h).
#include <signal.h>

#include <thread>
#include <zmq.hpp>

#include "common/config.h"
#include "common/log.h"

int main() {
    using namespace chat;
    log::set_component("broker");
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

    auto pub_bind =
        env_or("CHAT_BROKER_PUB_BIND", env_or("CHAT_BROKER_PUB", "tcp://127.0.0.1:5571"));
    auto sub_bind =
        env_or("CHAT_BROKER_SUB_BIND", env_or("CHAT_BROKER_SUB", "tcp://127.0.0.1:5572"));
    zmq::context_t ctx(1);
    zmq::socket_t xsub(ctx, zmq::socket_type::xsub);
    zmq::socket_t xpub(ctx, zmq::socket_type::xpub);
    zmq::socket_t control_pull(ctx, zmq::socket_type::pair);
    zmq::socket_t control_push(ctx, zmq::socket_type::pair);
    for (auto* s : {&xsub, &xpub, &control_pull, &control_push}) s->set(zmq::sockopt::linger, 0);
    // No high-water mark: a burst must queue, not vanish (STACK-NOTES: HWM 1000 lost 94%).
    xsub.set(zmq::sockopt::rcvhwm, 0);
    xpub.set(zmq::sockopt::sndhwm, 0);
    xpub.set(zmq::sockopt::xpub_verboser, 1);
    try {
        xsub.bind(pub_bind);
        xpub.bind(sub_bind);
    } catch (const zmq::error_t& e) {
        log::error(std::string("cannot bind: ") + e.what());
        return 1;
    }
    control_pull.bind("inproc://control");
    control_push.connect("inproc://control");
    std::thread signals([&] {
        int sig = 0;
        sigwait(&sigs, &sig);
        control_push.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
    });
    log::info("forwarding " + pub_bind + " -> " + sub_bind);
    zmq::proxy_steerable(xsub, xpub, zmq::socket_ref(), control_pull);
    signals.join();
    log::info("stopped");
    return 0;
}

#include "tests/bench/bench_options.h"

#include <stdexcept>

namespace chat::bench {

Options::Options(int argc, char** argv, int first) {
    for (int i = first; i < argc; i += 2) {
        std::string name = argv[i];
        if (name.rfind("--", 0) != 0 || i + 1 >= argc)
            throw std::invalid_argument("expected --name value, got '" + name + "'");
        values_[name.substr(2)] = argv[i + 1];
    }
}

std::string Options::str(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

long Options::num(const std::string& name, long fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::stol(it->second);
}

double Options::real(const std::string& name, double fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::stod(it->second);
}

}  // namespace chat::bench

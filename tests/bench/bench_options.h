// Command-line options of the load tool: `chat-bench SCENARIO --name value ...`.
#pragma once

#include <map>
#include <string>

namespace chat::bench {

class Options {
  public:
    // Parses argv[first..]; throws std::invalid_argument on a malformed list.
    Options(int argc, char** argv, int first);
    std::string str(const std::string& name, const std::string& fallback) const;
    long num(const std::string& name, long fallback) const;
    double real(const std::string& name, double fallback) const;

  private:
    std::map<std::string, std::string> values_;
};

}  // namespace chat::bench

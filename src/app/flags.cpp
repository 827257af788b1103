#include "app/flags.h"

#include <iostream>

namespace reflexio {

int Fail(const std::string& message, int code) {
  std::cerr << "reflexio: " << message << "\n";
  return code;
}

void AddCommonFlags(po::options_description& options, CommonFlags& flags, bool with_port) {
  options.add_options()
      ("config", po::value(&flags.config_file)->value_name("FILE"), "reflexio.toml to read (default: ./reflexio.toml if present)")
      ("data-dir", po::value(&flags.data_dir)->value_name("DIR"), "data directory (REFLEXIO_DATA_DIR; default ./data)");
  if (with_port) {
    options.add_options()("port", po::value<int>()->value_name("N")->notifier([&flags](int p) { flags.port = p; }),
                          "port to listen on; 0 picks a free one (REFLEXIO_PORT; default 8000)");
  }
}

std::optional<po::variables_map> ParseFlags(const Args& args, const std::string& usage,
                                            const po::options_description& options,
                                            const po::positional_options_description* positional, int& exit_code) {
  po::options_description all = options;
  all.add_options()("help,h", "show this help");
  po::variables_map vars;
  try {
    auto parser = po::command_line_parser(args).options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vars);
    if (vars.count("help")) {
      std::cout << usage << "\n" << all << "\n";
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vars);
  } catch (const po::error& e) {
    exit_code = Fail(std::string(e.what()) + " (see --help)", 2);
    return std::nullopt;
  }
  return vars;
}

}  // namespace reflexio

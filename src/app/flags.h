// Command-line parsing for the commands, on Boost.ProgramOptions: one-line errors, --help.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <string>

#include "app/app_context.h"
#include "app/commands.h"

namespace reflexio {

namespace po = boost::program_options;

// Adds --config, --data-dir (and --port when with_port) bound to `flags`.
void AddCommonFlags(po::options_description& options, CommonFlags& flags, bool with_port);

// Parses; on --help prints `usage` + options and returns 0 in `exit_code`; on error prints one
// line and returns 2. Returns std::nullopt in both cases, the variables otherwise.
std::optional<po::variables_map> ParseFlags(const Args& args, const std::string& usage,
                                            const po::options_description& options,
                                            const po::positional_options_description* positional, int& exit_code);

}  // namespace reflexio

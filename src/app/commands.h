// The `reflexio` commands. Each takes its own arguments (after the command name), prints
// `--help`, reports errors as one line on stderr and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace reflexio {

using Args = std::vector<std::string>;

int ServeCommand(const Args& args);
int WorkerCommand(const Args& args);
int SchedulerCommand(const Args& args);
int KeysCommand(const Args& args);
int LoginLinkCommand(const Args& args);
int MigrateCommand(const Args& args);
int RetentionCommand(const Args& args);
int DigestCommand(const Args& args);
int TranscribeCommand(const Args& args);
int BenchCommand(const Args& args);
int ModelsCommand(const Args& args);
int CheckCommand(const Args& args);
int ListenCommand(const Args& args);
int BenchSearchCommand(const Args& args);  // `bench search`, reached through BenchCommand
int BenchUnderstandingCommand(const Args& args);  // `bench understanding`, reached through BenchCommand
int BenchDigestCommand(const Args& args);  // `bench digest`, reached through BenchCommand
int BenchWhisperCommand(const Args& args);  // `bench whisper`, reached through BenchCommand
int BenchHttpCommand(const Args& args);  // `bench http`, reached through BenchCommand
int BenchStreamCommand(const Args& args);  // `bench stream`, reached through BenchCommand
int BenchStreamClientsCommand(const Args& args);  // its clients' process

// Prints "reflexio: <message>" to stderr and returns 1 (2 for usage errors).
int Fail(const std::string& message, int code = 1);

}  // namespace reflexio

// The runner library is split by concern: process.cpp (fork/exec with limits), languages.cpp
// (the language table), local_runner.cpp (bubblewrap backend), piston_runner.cpp (Piston v2).

// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// Starts this test binary again as a child process (the crash tests' child modes, see main.cc)
// with its stdout on a pipe the parent reads. The child is killed when the parent dies: a child
// (a feed or crash writer runs until it is killed) must never outlive a parent that ctest, a
// timeout or a developer's Ctrl-C ended, or it keeps writing into /dev/shm for as long as the
// machine runs. (PR_SET_PDEATHSIG fires when the forking *thread* ends: call this from the
// test's own thread, not from a worker that ends before the child should.)

#ifndef INVENTORY_TESTS_CRASH_CHILD_PROCESS_H_
#define INVENTORY_TESTS_CRASH_CHILD_PROCESS_H_

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

namespace inventory::testing {

struct Child {
  pid_t pid = -1;
  int out = -1;  // The read end of the child's stdout.
};

// Runs `/proc/self/exe args...` (args[0] is the mode, e.g. "--crash-child").
inline Child spawn_self(const std::vector<std::string>& args) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>("crash_tests"));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Kept across execv. The parent may have died before the prctl: then it has a new parent.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

}  // namespace inventory::testing

#endif  // INVENTORY_TESTS_CRASH_CHILD_PROCESS_H_

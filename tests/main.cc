// Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
//
// The only translation unit that defines doctest's main().
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

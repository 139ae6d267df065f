"""Error records of the ecosystems beyond JS/Python/JVM/Go/Rust: Ruby, PHP, Dart/Flutter, Swift and
Objective-C, C/C++ (compilers, sanitizers, debuggers, signals), Android logcat. Real-shaped traces as
each runtime or tool prints them; look-alikes (one message raised at different places) stay apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuegraph.graph import signatures as sig
from issuegraph.graph.signatures import extract_error_records, is_symptom_key, match_frame

# --- Ruby -------------------------------------------------------------------------------------
RUBY_CONSOLE = """```
NoMethodError: undefined method `name' for nil:NilClass
  /app/models/user.rb:10:in `display_name'
  /app/controllers/users_controller.rb:5:in `show'
```"""

RUBY_UNCAUGHT = """/usr/lib/ruby/3.2.0/socket.rb:1214:in `__connect_nonblock': Connection refused - connect(2) for 127.0.0.1:6379 (Errno::ECONNREFUSED)
\tfrom /usr/lib/ruby/3.2.0/socket.rb:1214:in `connect_nonblock'
\tfrom /var/lib/gems/3.2.0/gems/redis-client-0.14.1/lib/redis_client/ruby_connection.rb:52:in `initialize'"""

RUBY_34 = """app.rb:3:in 'Calculator#divide': divided by 0 (ZeroDivisionError)
\tfrom app.rb:7:in 'Runner.start'
\tfrom app.rb:9:in '<main>'"""

RSPEC = """  1) User#display_name returns the name
     Failure/Error: expect(user.display_name).to eq("Alice")

     NoMethodError:
       undefined method `name' for nil:NilClass
     # ./app/models/user.rb:10:in `display_name'
     # ./spec/models/user_spec.rb:8:in `block (2 levels) in <top (required)>'"""

RAILS_LOG = """Completed 500 Internal Server Error in 12ms (ActiveRecord: 1.2ms)

NoMethodError (undefined method `name' for nil:NilClass):

app/models/user.rb:10:in `display_name'
actionpack (7.0.4) lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'"""

RUBY_QUALIFIED = """ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "users" does not exist
LINE 1: SELECT "users".* FROM "users"
/usr/local/bundle/gems/activerecord-7.0.4/lib/active_record/connection_adapters/postgresql_adapter.rb:768:in `exec_params'"""

# --- PHP --------------------------------------------------------------------------------------
PHP_FATAL = """PHP Fatal error:  Uncaught Error: Call to undefined function mb_strlen() in /var/www/html/vendor/laravel/framework/src/Illuminate/Support/Str.php:496
Stack trace:
#0 /var/www/html/vendor/laravel/framework/src/Illuminate/Support/Str.php(496): mb_strlen()
#1 /var/www/html/app/Http/Kernel.php(12): Illuminate\\Support\\Str::length()
#2 {main}
  thrown in /var/www/html/vendor/laravel/framework/src/Illuminate/Support/Str.php on line 496"""

PHP_DISPLAY_ERRORS = """Fatal error: Uncaught Exception: Database connection failed in /var/www/html/lib/Db.php:15
Stack trace:
#0 /var/www/html/index.php(7): Db->connect()
#1 {main}
  thrown in /var/www/html/lib/Db.php on line 15"""

PHP_WARNING = "PHP Warning:  Undefined variable $user in /var/www/html/src/Controller/UserController.php on line 42"

LARAVEL_LOG = """[2023-05-01 10:00:00] production.ERROR: Call to a member function foo() on null {"userId":1,"exception":"[object] (Error(code: 0): Call to a member function foo() on null at /var/www/app/Http/Controllers/HomeController.php:25)
[stacktrace]
#0 /var/www/vendor/laravel/framework/src/Illuminate/Routing/Controller.php(54): App\\\\Http\\\\Controllers\\\\HomeController->index()"""

# Laravel's console and Symfony's pad their message blocks with trailing spaces and space-only lines
LARAVEL_ARTISAN = "\n   Illuminate\\Database\\QueryException \n\n  SQLSTATE[HY000] [2002] Connection refused (SQL: select * from `migrations`)\n"

SYMFONY_CONSOLE = ("\nIn Connection.php line 664:\n" + " " * 54 + "\n"
                   "  SQLSTATE[HY000] [2002] Connection refused (SQL: select * from `users`)  \n" + " " * 54 + "\n")

PHP_NAMESPACED = ("Illuminate\\Contracts\\Container\\BindingResolutionException: Target class [UserController] does not exist. "
                  "in /var/www/vendor/laravel/framework/src/Illuminate/Container/Container.php:879")

# --- Dart / Flutter ---------------------------------------------------------------------------
FLUTTER_CAUGHT = """══╡ EXCEPTION CAUGHT BY WIDGETS LIBRARY ╞═══════════════════════════
The following _TypeError was thrown building MyHomePage(dirty, state: _MyHomePageState#1a2b3):
Null check operator used on a null value
#0      _MyHomePageState.build (package:myapp/main.dart:45:32)
#1      StatefulElement.build (package:flutter/src/widgets/framework.dart:4919:27)
#2      ComponentElement.performRebuild (package:flutter/src/widgets/framework.dart:4806:15)"""

FLUTTER_LOGCAT = """E/flutter ( 5678): [ERROR:flutter/runtime/dart_vm_initializer.cc(41)] Unhandled Exception: Null check operator used on a null value
E/flutter ( 5678): #0      _MyHomePageState.build (package:myapp/main.dart:45:32)
E/flutter ( 5678): <asynchronous suspension>
E/flutter ( 5678): #1      _rootRunUnary (dart:async/zone.dart:1434:47)"""

FLUTTER_FRAMEWORK_ONLY = """The following assertion was thrown building Builder:
'package:flutter/src/widgets/framework.dart': Failed assertion: line 4345 pos 12: '!_debugLocked': is not true.
#2      BuildOwner.lockState (package:flutter/src/widgets/framework.dart:4345:12)
#3      NavigatorState.push (package:flutter/src/widgets/navigator.dart:5021:5)"""

DART_TYPED = """Unhandled Exception: FormatException: Unexpected character (at character 1)
#0      ApiClient.fetchUser (package:myapp/api/client.dart:33:12)"""

# --- Swift / Objective-C / Apple ----------------------------------------------------------------
SWIFT_OLD = ("Fatal error: Unexpectedly found nil while implicitly unwrapping an Optional value: "
             "file MyApp/ViewController.swift, line 42")
SWIFT_NEW = "MyApp/ViewController.swift:42: Fatal error: Unexpectedly found nil while implicitly unwrapping an Optional value"
SWIFT_STDLIB = "Swift/ContiguousArrayBuffer.swift:600: Fatal error: Index out of range"

OBJC_UNCAUGHT = """*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '-[__NSCFString count]: unrecognized selector sent to instance 0x600003a4c0c0'
*** First throw call stack:
(
\t0   CoreFoundation                      0x00000001804ae2e8 __exceptionPreprocess + 172
\t1   libobjc.A.dylib                     0x0000000180051094 objc_exception_throw + 56
\t2   MyApp                               0x0000000102a4b3c0 -[ListViewController reload] + 120
)"""

CRASH_REPORT = """Exception Type:  EXC_BAD_ACCESS (SIGSEGV)
Exception Subtype: KERN_INVALID_ADDRESS at 0x0000000000000010
Triggered by Thread:  0

Thread 0 Crashed:
0   libswiftCore.dylib            \t0x00000001a3b4c5d8 swift_retain + 8
1   MyApp                         \t0x0000000102a4b3c0 ImageCache.store(_:for:) + 120 (ImageCache.swift:42)"""

# --- C / C++ ------------------------------------------------------------------------------------
ASAN_UAF = """==12345==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010 at pc 0x0000004f5e2b bp 0x7ffd sp 0x7ffd
READ of size 4 at 0x602000000010 thread T0
    #0 0x4f5e2a in parse_header /src/lib/parser.c:120:9
    #1 0x4f6b3c in handle_request /src/server.c:33:5
    #2 0x7f1e2a in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x21b96)
0x602000000010 is located 0 bytes inside of 4-byte region [0x602000000010,0x602000000014)
freed by thread T0 here:
    #0 0x4a1b2c in free (/app/a.out+0x4a1b2c)
    #1 0x4f5d00 in release_buffer /src/lib/buffer.c:44:5"""

ASAN_SEGV = """==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x55d0c1b2 bp 0x7ffc sp 0x7ffc T0)
==4242==The signal is caused by a READ memory access.
    #0 0x55d0c1b2 in json_get_string /src/json.c:210:12
SUMMARY: AddressSanitizer: SEGV /src/json.c:210:12 in json_get_string"""

TSAN = """WARNING: ThreadSanitizer: data race (pid=12345)
  Write of size 4 at 0x7b0400000000 by thread T1:
    #0 worker /src/pool.c:30:10 (app+0x4a1b2c)"""

CPP_TERMINATE = """terminate called after throwing an instance of 'std::out_of_range'
  what():  vector::_M_range_check: __n (which is 5) >= this->size() (which is 3)
Aborted (core dumped)"""

GDB_ABORT = """terminate called after throwing an instance of 'std::runtime_error'
  what():  failed to open config file
Thread 1 "app" received signal SIGABRT, Aborted.
(gdb) bt
#0  __pthread_kill_implementation (no_tid=0, signo=6, threadid=140737345894208) at ./nptl/pthread_kill.c:44
#1  0x00007ffff7a96476 in __GI_raise (sig=sig@entry=6) at ../sysdeps/posix/raise.c:26
#3  0x00007ffff7e3db9e in ?? () from /lib/x86_64-linux-gnu/libstdc++.so.6
#5  0x0000555555556a1b in Config::load (this=0x7fffffffe0b0, path=...) at src/config.cpp:42
#6  0x0000555555556b2c in main (argc=1, argv=0x7fffffffe1f8) at src/main.cpp:10"""

GDB_SEGV = """Program received signal SIGSEGV, Segmentation fault.
0x0000555555555149 in parse_header (buf=0x0) at parser.c:120
120\t  return buf->len;
(gdb) bt
#0  0x0000555555555149 in parse_header (buf=0x0) at parser.c:120
#1  0x0000555555555180 in read_request (fd=3) at server.c:57"""

LLDB = """* thread #1, queue = 'com.apple.main-thread', stop reason = EXC_BAD_ACCESS (code=1, address=0x0)
  * frame #0: 0x0000000100003f5c app`parse_header(buf=0x0000000000000000) at parser.c:120:9
    frame #1: 0x0000000100003fa0 app`main at main.c:12:5"""

GCC = """src/main.c:3:10: fatal error: openssl/ssl.h: No such file or directory
    3 | #include <openssl/ssl.h>
      |          ^~~~~~~~~~~~~~~
compilation terminated."""

ANDROID_TOMBSTONE = """F libc    : Fatal signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0 in tid 1234 (RenderThread), pid 1200 (com.example.app)
backtrace:
      #00 pc 000000000004e0e4  /apex/com.android.runtime/lib64/bionic/libc.so (abort+164) (BuildId: 7f1c2a3b4c)
      #01 pc 0000000000123456  /data/app/com.example.app/lib/arm64/libnative.so (decode_frame+88)"""

ANDROID_LOGCAT = """2023-05-01 10:00:00.123  1234  1234 E AndroidRuntime: FATAL EXCEPTION: main
2023-05-01 10:00:00.123  1234  1234 E AndroidRuntime: Process: com.example.app, PID: 1234
2023-05-01 10:00:00.123  1234  1234 E AndroidRuntime: java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference
2023-05-01 10:00:00.123  1234  1234 E AndroidRuntime: \tat com.example.app.MainActivity.onCreate(MainActivity.java:42)"""


@pytest.mark.parametrize(
    ("text", "runtime", "key", "top_frames"),
    [
        pytest.param(RUBY_CONSOLE, "ruby", "nomethoderror: undefined method `name' for nil:nilclass",
                     ("user.rb:display_name", "users_controller.rb:show"), id="ruby-frames-not-joined-into-the-message"),
        pytest.param(RUBY_UNCAUGHT, "ruby", "econnrefused: connection refused - connect(<n>) for <ver>:<n>",
                     ("redis-client/ruby_connection.rb:initialize",), id="ruby-uncaught-located-first-line-stdlib-skipped"),
        pytest.param(RUBY_34, "ruby", "zerodivisionerror: divided by <n>", ("app.rb:divide", "app.rb:start"),
                     id="ruby-3.4-quotes-and-class-qualified-methods"),
        pytest.param(RSPEC, "ruby", "nomethoderror: undefined method `name' for nil:nilclass", ("user.rb:display_name",),
                     id="rspec-class-line-then-message"),
        pytest.param(RAILS_LOG, "ruby", "nomethoderror: undefined method `name' for nil:nilclass", ("user.rb:display_name",),
                     id="rails-log-class-and-parenthesised-message"),
        pytest.param(RUBY_QUALIFIED, "ruby", 'statementinvalid: pg::undefinedtable: error: relation "users" does not exist',
                     ("activerecord/postgresql_adapter.rb:exec_params",), id="ruby-namespaced-class-gem-frames-when-no-app-frame"),
        pytest.param(PHP_FATAL, "php", "error: call to undefined function mb_strlen()", ("Kernel.php:Str::length",),
                     id="php-uncaught-vendor-frames-below-app-frames"),
        pytest.param(PHP_DISPLAY_ERRORS, "php", "exception: database connection failed", ("Db.php", "index.php:Db->connect"),
                     id="php-display-errors-without-prefix"),
        pytest.param(PHP_WARNING, "php", "warning: undefined variable $user", ("UserController.php",), id="php-warning-on-line"),
        pytest.param(LARAVEL_LOG, "php", "error: call to a member function foo() on null", ("HomeController.php",),
                     id="monolog-exception-in-context"),
        pytest.param(LARAVEL_ARTISAN, "php", "queryexception: sqlstate[hy000] [<n>] connection refused (sql: select * from `migrations`)",
                     (), id="laravel-console-class-then-message"),
        pytest.param(SYMFONY_CONSOLE, "php", "php exception: sqlstate[hy000] [<n>] connection refused (sql: select * from `users`)",
                     ("Connection.php",), id="symfony-console-in-file-line"),
        pytest.param(PHP_NAMESPACED, "php", "bindingresolutionexception: target class [usercontroller] does not exist",
                     ("laravel/framework/Container.php",), id="php-namespaced-class-location-is-a-frame"),
        pytest.param(FLUTTER_CAUGHT, "dart", "dart: null check operator used on a null value",
                     ("myapp/main.dart:_MyHomePageState.build",), id="flutter-caught-framework-frames-below-app"),
        pytest.param(FLUTTER_LOGCAT, "dart", "dart: null check operator used on a null value",
                     ("myapp/main.dart:_MyHomePageState.build",), id="flutter-logcat-unhandled-same-key"),
        pytest.param(FLUTTER_FRAMEWORK_ONLY, "dart",
                     "dart: 'package:flutter/src/widgets/framework.dart': failed assertion: line <n> pos <n>: '!_debuglocked': is not true",
                     ("flutter/framework.dart:BuildOwner.lockState", "flutter/navigator.dart:NavigatorState.push"),
                     id="flutter-framework-frames-count-when-no-app-frame"),
        pytest.param(DART_TYPED, "dart", "formatexception: unexpected character (at character <n>)",
                     ("myapp/client.dart:ApiClient.fetchUser",), id="dart-typed-tostring-keeps-its-type"),
        pytest.param(SWIFT_OLD, "swift", "fatal error: unexpectedly found nil while implicitly unwrapping an optional value",
                     ("ViewController.swift",), id="swift-old-file-line-suffix"),
        pytest.param(SWIFT_NEW, "swift", "fatal error: unexpectedly found nil while implicitly unwrapping an optional value",
                     ("ViewController.swift",), id="swift-new-location-prefix-same-key"),
        pytest.param(SWIFT_STDLIB, "swift", "fatal error: index out of range", (), id="swift-stdlib-file-is-runtime"),
        pytest.param(OBJC_UNCAUGHT, "native",
                     "nsinvalidargumentexception: -[__nscfstring count]: unrecognized selector sent to instance <hex>",
                     ("MyApp:-[ListViewController reload]",), id="objc-uncaught-first-throw-call-stack"),
        pytest.param(CRASH_REPORT, "native", "exc_bad_access", ("ImageCache.swift:ImageCache.store",), id="apple-crash-report"),
        pytest.param(ASAN_UAF, "native", "addresssanitizer: heap-use-after-free",
                     ("parser.c:parse_header", "server.c:handle_request"), id="asan-kind-kept-addresses-and-free-stack-dropped"),
        pytest.param(ASAN_SEGV, "native", "addresssanitizer: segv", ("json.c:json_get_string",), id="asan-segv-chatter-lines"),
        pytest.param(TSAN, "native", "threadsanitizer: data race", ("pool.c:worker",), id="tsan-data-race"),
        pytest.param(CPP_TERMINATE, "native",
                     "std::out_of_range: vector::_m_range_check: __n (which is <n>) >= this->size() (which is <n>)", (),
                     id="cpp-terminate-what-line"),
        pytest.param(GDB_ABORT, "native", "std::runtime_error: failed to open config file", ("config.cpp:Config::load",),
                     id="gdb-backtrace-libc-and-libstdcxx-skipped"),
        pytest.param(GDB_SEGV, "native", "signal: segmentation fault", ("parser.c:parse_header", "server.c:read_request"),
                     id="gdb-stop-line-and-backtrace"),
        pytest.param(LLDB, "native", "exc_bad_access", ("parser.c:parse_header",), id="lldb-stop-reason-and-frames"),
        pytest.param(GCC, "native", "compile error: openssl/ssl.h: no such file or directory", ("main.c",),
                     id="gcc-diagnostic-source-excerpt-not-joined"),
        pytest.param("src/hash.c:42:17: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'",
                     "native", "undefinedbehaviorsanitizer: signed integer overflow: <n> + <n> cannot be represented in type 'int'",
                     ("hash.c",), id="ubsan-runtime-error"),
        pytest.param("app: src/parser.c:120: parse_header: Assertion `len > 0' failed.\nAborted (core dumped)", "native",
                     "assertion: `len > <n>' failed", ("parser.c:parse_header",), id="glibc-assert"),
        pytest.param("main.cpp:(.text+0x1e): undefined reference to `curl_easy_init'\ncollect2: error: ld returned 1 exit status",
                     "native", "link error: undefined reference to `curl_easy_init'", (), id="ld-undefined-reference"),
        pytest.param("Segmentation fault (core dumped)", "native", "signal: segmentation fault", (), id="shell-segfault"),
        pytest.param("zsh: segmentation fault  ./build/app --config test.yml", "native", "signal: segmentation fault", (),
                     id="zsh-segfault-same-key"),
        pytest.param(ANDROID_TOMBSTONE, "native", "signal: segmentation fault", ("libnative.so:decode_frame",),
                     id="android-tombstone-library-frames-when-no-app-frame"),
        pytest.param(ANDROID_LOGCAT, "java",
                     "nullpointerexception: attempt to invoke virtual method 'int java.lang.string.length()' on a null object reference",
                     ("com.example.app:MainActivity.onCreate",), id="android-logcat-prefix-and-fatal-header"),
    ],
)
def test_each_ecosystem_trace_yields_its_error_record(text: str, runtime: str, key: str, top_frames: tuple[str, ...]) -> None:
    rec = extract_error_records(text)[0]
    assert (rec.runtime, rec.key, rec.top_frames) == (runtime, key, top_frames)


@pytest.mark.parametrize(
    ("line", "function", "module", "in_app", "library"),
    [
        pytest.param("  /app/models/user.rb:10:in `block (2 levels) in display_name'", "display_name", "user.rb", True, False,
                     id="ruby-block-prefix-dropped"),
        pytest.param("\tfrom /usr/local/lib/ruby/3.2.0/net/http.rb:1603:in `open'", "open", "http.rb", False, False,
                     id="ruby-stdlib-is-runtime"),
        pytest.param("  /usr/local/bundle/gems/rack-2.2.4/lib/rack/builder.rb:244:in `call'", "call", "rack/builder.rb", False, True,
                     id="ruby-gem-is-library"),
        pytest.param("activesupport (7.0.4) lib/active_support/callbacks.rb:118:in `run_callbacks'", "run_callbacks",
                     "activesupport/callbacks.rb", False, True, id="rails-backtrace-cleaner-gem-form"),
        pytest.param("#3 /var/www/vendor/laravel/framework/src/Illuminate/Pipeline/Pipeline.php(167): Illuminate\\Pipeline\\Pipeline->"
                     "Illuminate\\Pipeline\\{closure}(Object(Illuminate\\Http\\Request))", "Pipeline->{closure}",
                     "laravel/framework/Pipeline.php", False, True, id="php-vendor-is-library"),
        pytest.param("#4 [internal function]: App\\Jobs\\Sync->handle()", "Sync->handle", "", False, False,
                     id="php-internal-function-is-runtime"),
        pytest.param("#1      _rootRunUnary (dart:async/zone.dart:1434:47)", "_rootRunUnary", "", False, False, id="dart-sdk-is-runtime"),
        pytest.param("#5      _CartState.build.<anonymous closure> (package:shop/cart.dart:12:7)", "_CartState.build",
                     "shop/cart.dart", True, False, id="dart-anonymous-closure-suffix-dropped"),
        pytest.param("    #3 0x5 in std::vector<int, std::allocator<int> >::operator[](unsigned long) /usr/include/c++/9/bits/stl_vector.h:1043",
                     "std::vector::operator[]", "stl_vector.h", False, False, id="cpp-stl-template-args-dropped-runtime"),
        pytest.param("#4  0x00007ffff7e4e3e9 in ?? () from /lib/x86_64-linux-gnu/libc.so.6", "??", "libc.so.6", False, False,
                     id="gdb-unknown-libc-frame"),
        pytest.param("    #1 0x7f in png_read_row (/usr/lib/x86_64-linux-gnu/libpng16.so.16+0x1b2c)", "png_read_row",
                     "libpng16.so.16", False, True, id="shared-library-is-library"),
        pytest.param("3   UIKitCore                           0x0000000184e0a5c8 -[UIViewController loadViewIfRequired] + 1000",
                     "-[UIViewController loadViewIfRequired]", "UIKitCore", False, False, id="apple-system-framework-is-runtime"),
    ],
)
def test_ecosystem_frames_are_normalised_and_classified(line: str, function: str, module: str, in_app: bool, library: bool) -> None:
    frame = match_frame(line)
    assert frame is not None
    assert (frame.function, frame.module, frame.in_app, frame.library) == (function, module, in_app, library)
    assert sig._FRAME_GATE is not None and sig._FRAME_GATE.search(line)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("#1 Fix the crash (linux) before the release", id="markdown-numbered-heading"),
        pytest.param("see #1234 (closed) and #1240 (open)", id="issue-references"),
        pytest.param("  - step 3 of 0x10 in total", id="hex-in-prose"),
    ],
)
def test_prose_with_frame_like_characters_is_no_frame(line: str) -> None:
    assert match_frame(line) is None


# One message raised at two places is two records with one key and two signatures (whether the clusterer
# keeps them apart is tests/test_cluster_langs.py's); one error printed in two forms is one key.
LOOK_ALIKES = [
    pytest.param(ASAN_UAF, ASAN_UAF.replace("parse_header /src/lib/parser.c", "read_chunk /src/lib/chunk.c"),
                 id="asan-same-kind-different-crashing-function"),
    pytest.param(FLUTTER_LOGCAT, FLUTTER_LOGCAT.replace("_MyHomePageState.build (package:myapp/main.dart",
                                                        "_CartPageState.build (package:myapp/cart.dart"),
                 id="flutter-null-check-different-widget"),
    pytest.param(RUBY_CONSOLE, RUBY_CONSOLE.replace("user.rb:10:in `display_name'", "order.rb:22:in `customer_label'"),
                 id="ruby-nomethoderror-different-model"),
    pytest.param(PHP_FATAL, PHP_FATAL.replace("app/Http/Kernel.php(12)", "app/Console/Commands/Import.php(40)"),
                 id="php-same-fatal-called-from-different-app-file"),
]


@pytest.mark.parametrize(("a", "b"), LOOK_ALIKES)
def test_one_message_from_different_crash_sites_keeps_one_key_and_two_signatures(a: str, b: str) -> None:
    ra, rb = extract_error_records(a)[0], extract_error_records(b)[0]
    assert ra.key == rb.key
    assert ra.signature != rb.signature
    assert ra.top_frames[0] != rb.top_frames[0]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(SWIFT_OLD, SWIFT_NEW, id="swift-before-and-after-5.3"),
        pytest.param(FLUTTER_CAUGHT, FLUTTER_LOGCAT, id="flutter-caught-by-framework-and-unhandled-in-zone"),
        pytest.param("Segmentation fault: 11", "./run.sh: line 3: 12345 Segmentation fault      (core dumped) ./app",
                     id="macos-and-bash-segfault"),
        pytest.param(GDB_SEGV, "F libc    : Fatal signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0 in tid 1234",
                     id="gdb-and-android-sigsegv"),
    ],
)
def test_one_error_printed_by_different_tools_has_one_key(a: str, b: str) -> None:
    assert extract_error_records(a)[0].key == extract_error_records(b)[0].key


@pytest.mark.parametrize(
    ("key", "symptom"),
    [
        pytest.param("signal: segmentation fault", True, id="signal"),
        pytest.param("exc_bad_access", True, id="mach-exception"),
        pytest.param("addresssanitizer: heap-use-after-free", True, id="sanitizer-kind"),
        pytest.param("fatal error: unexpectedly found nil while implicitly unwrapping an optional value", True, id="swift-nil-trap"),
        pytest.param("dart: null check operator used on a null value", True, id="dart-null-check"),
        pytest.param("fatal error: allowed memory size of <n> bytes exhausted (tried to allocate <n> bytes)", False,
                     id="php-memory-limit-names-its-cause"),
        pytest.param("assertion: `len > <n>' failed", False, id="assert-names-its-expression"),
        pytest.param("nomethoderror: undefined method `name' for nil:nilclass", False, id="ruby-message-names-the-method"),
    ],
)
def test_symptom_keys_name_a_kind_of_fault_not_a_bug(key: str, symptom: bool) -> None:
    assert is_symptom_key(key) is symptom


# Known limits: desired vs actual, kept visible.
KNOWN_WRONG = [
    pytest.param("""Unhandled Exception: FormatException: Unexpected character (at character 1)
<!DOCTYPE html>
^

#0      ApiClient.fetchUser (package:myapp/api/client.dart:33:12)""",
                 ("myapp/client.dart:ApiClient.fetchUser",), (),
                 id="dart-format-exception-source-excerpt-ends-the-record-before-its-frames"),
    pytest.param("app.rb:3:in 'Integer#/': divided by 0 (ZeroDivisionError)\n\tfrom app.rb:3:in 'Calculator#divide'",
                 ("app.rb:divide",), ("app.rb:/", "app.rb:divide"),
                 id="ruby-3.4-core-method-frame-reads-as-app-code"),
]


@pytest.mark.parametrize(("text", "desired", "actual"), KNOWN_WRONG)
def test_known_wrong_ecosystem_extractions_stay_as_documented(text: str, desired: tuple[str, ...], actual: tuple[str, ...]) -> None:
    got = extract_error_records(text)[0].top_frames
    assert got != desired
    assert got == actual


LANG_FRAGMENTS = [
    "Sanitizer: ", "ERROR: ", "terminate called ", "after throwing an instance of 'x'", " error: ", "a.c:1:2:", "Assertion ",
    "`x' failed", "undefined reference to ", ":in `", ":in '", "x.rb:1", "): ", "Error:", "Exception:", "::", "Foo::Bar",
    "PHP ", "Fatal error:", "Warning:", "Uncaught ", ".php", ".php line ", " on line 3", "\\", "Foo\\BarException",
    ".ERROR: ", "] ", "Unhandled Exception: ", " was thrown", "The following ", "Terminating app due to uncaught exception",
    "EXC_BAD_ACCESS", "Thread 1: ", "stop reason = ", "Fatal error", "x.swift:3: ", "Segmentation fault", "segmentation fault",
    "Bus error", "Fatal signal 11 (SIGSEGV)", "received signal SIGSEGV", " (core dumped)", "#0 ", "0x1f ", " in ", " at ",
]
lang_lines = st.lists(st.sampled_from(LANG_FRAGMENTS) | st.text(max_size=5), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(lang_lines)
def test_ecosystem_message_rule_gates_only_skip_rules_that_cannot_match(text: str) -> None:
    line = text.replace("\n", " ")
    for name, rx, _build in sig.LANG_MESSAGE_RULES:
        if rx.search(line[:2000]):
            assert any(n in line for n in sig._NEEDLES[name]), name


@settings(max_examples=300, deadline=None)
@given(lang_lines)
def test_ecosystem_frame_rules_pass_the_frame_gate(text: str) -> None:
    line = text.replace("\n", " ")
    for name, _runtime, rx, _build in sig.LANG_FRAME_RULES:
        if rx.match(line):
            assert any(n in line for n in sig._FRAME_NEEDLES[name]), name

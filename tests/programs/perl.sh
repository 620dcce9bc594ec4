#!/bin/sh
# SPDX-License-Identifier: MIT
# Perl ithreads (Debian's perl): 8 interpreter threads sum ranges into a
# shared variable under its lock, and pass work through a Thread::Queue.
# Who made the threads is read from the clone system calls.
. "$srcdir/tests/programs/harness.sh"
requires strace strace
requires perl "Perl's threads module" perl -Mthreads -e 1
cat >"$W/threads.pl" <<'PERL'
use strict;
use warnings;
use threads;
use threads::shared;
use Thread::Queue;
my $sum :shared = 0;
my @t = map {
	threads->create(sub {
		my $n = shift;
		my $x = 0;
		$x += $_ for 1 .. 200000;
		lock($sum);
		$sum += $x + $n;
		return $n * $n;
	}, $_)
} 1 .. 8;
my $squares = 0;
$squares += $_->join for @t;
my $q = Thread::Queue->new;
my @workers = map { threads->create(sub { my $s = 0; while (defined(my $i = $q->dequeue)) { $s += $i } $s }) } 1 .. 4;
$q->enqueue($_) for 1 .. 10000;
$q->end;
my $queued = 0;
$queued += $_->join for @workers;
print "shared sum $sum, joined squares $squares, queue total $queued\n";
PERL
for m in glibc preload; do
	traced "$m" perl "$W/threads.pl"
done
agree glibc preload
finish

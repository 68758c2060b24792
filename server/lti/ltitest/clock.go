package ltitest

import (
	"sync/atomic"
	"time"
)

// Clock is a clock tests move forward. Giving the same Clock's Now to the
// tool, its store and the emulator keeps their token times consistent while a
// test skips an hour.
type Clock struct{ offset atomic.Int64 }

// Now is the wall clock plus every Advance so far.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

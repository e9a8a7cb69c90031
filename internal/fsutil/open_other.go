//go:build !unix

package fsutil

const openNonblock = 0

const openNofollow = 0

//go:build !unix

package sysprompt

const openNonblock = 0

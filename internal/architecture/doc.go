// Package architecture holds no code: its tests hold the repository to its
// shape (ARCHITECTURE.md): which package may import which, so that data
// flows one way, and how long a function may be.
package architecture

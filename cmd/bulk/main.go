// Command bulk runs iManage Work admin jobs in bulk from a manifest.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], DefaultIO())) }

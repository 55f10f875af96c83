// oracle prints what Go's archive/tar (the reader Docker and dive use) reads from each tar
// file named on the command line, in the line format tests/tar_go.rs compares against:
//
//	== <file name>
//	<type flag> <size> <sha256 of the content read> <name, Go-quoted>
//	...
//	end                        (io.EOF from Next)
//	error header               (Next failed)
//	error data <name, quoted>  (reading an entry's content failed)
//
// Usage: go run oracle.go CASE.tar... > expected.txt (see testdata/tar-go/README.md).
package main

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	for _, path := range os.Args[1:] {
		fmt.Printf("== %s\n", filepath.Base(path))
		f, err := os.Open(path)
		if err != nil {
			panic(err)
		}
		tr := tar.NewReader(f)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				fmt.Println("end")
				break
			}
			if err != nil {
				fmt.Println("error header")
				break
			}
			sum := sha256.New()
			if _, err := io.Copy(sum, tr); err != nil {
				fmt.Printf("error data %q\n", h.Name)
				break
			}
			fmt.Printf("%c %d %x %q\n", h.Typeflag, h.Size, sum.Sum(nil), h.Name)
		}
		f.Close()
	}
}

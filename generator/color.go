package generator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Color is an sRGB colour written as "#rgb" or "#rrggbb" in the configuration.
type Color struct{ R, G, B uint8 }

// UnmarshalText parses "#rgb" or "#rrggbb".
func (c *Color) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	hex := strings.TrimPrefix(s, "#")
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if !strings.HasPrefix(s, "#") || len(hex) != 6 || err != nil {
		return fmt.Errorf("colour %q: expected \"#rgb\" or \"#rrggbb\", e.g. \"#1a73e8\"", s)
	}
	*c = Color{uint8(v >> 16), uint8(v >> 8), uint8(v)}
	return nil
}

// String returns the colour as "#rrggbb".
func (c Color) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// luminance is the WCAG 2 relative luminance.
func (c Color) luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Contrast returns the WCAG 2 contrast ratio of two colours, from 1 to 21.
func Contrast(a, b Color) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

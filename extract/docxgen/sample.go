package docxgen

import "fmt"

// Sample is a small but complete statement: a narrative paragraph and `tables` notes, each a
// revenue casting that adds up, except the first when planted is set (its total is 10.0 too
// high). Tests, benchmarks and the load tool upload it.
func Sample(tables int, planted bool) []byte {
	d := New().Heading(1, "Acme Holdings plc — Annual Report 2024").
		Paragraph("These consolidated financial statements of Acme Holdings plc for the year ended 31 December 2024 " +
			"are presented in thousands of euros. Revenue increased by 11% to 1,500.5 thousand, driven by services.")
	for i := 1; i <= tables; i++ {
		total := "1,500.5"
		if planted && i == 1 {
			total = "1,510.5"
		}
		d.Heading(2, fmt.Sprintf("Note %d — Revenue by segment", i)).
			Paragraph("The table below analyses revenue by segment (in thousands of euros).").
			Table([][]string{
				{"", "2024", "2023"},
				{"Products", "1,200.5", "1,100.0"},
				{"Services", "300.0", "250.0"},
				{"Total revenue", total, "1,350.0"},
			})
	}
	return d.Bytes()
}

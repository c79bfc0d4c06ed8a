# bench/declared.R - R's survey::svyby on the sample of bench/declared_run
# (the CSV written by COPY from bench_decl.resp): the estimate and SE of y in
# 300 municipalities x 6 origins of a stratified cluster design, timed as
# the median of `rounds` runs (svydesign is built once, outside the timing).
# Usage: Rscript bench/declared.R data.csv result.csv rounds
# Prints one line: "R svyby: <rows> rows, <cells> cells, median <ms> ms".
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], na.strings = "")
rounds <- as.integer(args[3])
d$y <- as.numeric(d$y == "t")
des <- svydesign(ids = ~psu, strata = ~municipality, weights = ~w, data = d)
ms <- numeric(rounds)
for (i in seq_len(rounds)) {
	t0 <- proc.time()[["elapsed"]]
	r <- svyby(~y, ~municipality + origin, des, svymean, na.rm = TRUE)
	ms[i] <- 1000 * (proc.time()[["elapsed"]] - t0)
}
write.csv(data.frame(municipality = r$municipality, origin = r$origin,
	estimate = sprintf("%.17g", coef(r)), se = sprintf("%.17g", SE(r))),
	args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("R svyby: %d rows, %d cells, median %.1f ms (runs: %s)\n", nrow(d), nrow(r),
	median(ms), paste(sprintf("%.0f", ms), collapse = " ")))

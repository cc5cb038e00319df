# What R's rsdmx reads from the server at the URL given: data frames and structure fields, as JSON on stdout.
suppressPackageStartupMessages({ library(rsdmx); library(jsonlite) })
B <- commandArgs(trailingOnly = TRUE)[1]
quiet <- function(x) suppressWarnings(x)
out <- list()
out$generic <- quiet(as.data.frame(readSDMX(paste0(B, "/data/ICT_INDICATORS/A.KEN+UGA.i99H"))))
out$generic_class <- class(quiet(readSDMX(paste0(B, "/data/ICT_INDICATORS/A.KEN.i99H"))))[1]
ss <- quiet(readSDMX(paste0(B, "/data/ICT_INDICATORS/A.KEN+UGA.i99H"), headers = list(Accept = "application/vnd.sdmx.structurespecificdata+xml;version=2.1")))
out$ss_class <- class(ss)[1]
out$ss <- quiet(as.data.frame(ss))
flows <- readSDMX(paste0(B, "/dataflow/ITU/ICT_INDICATORS/1.0.0"))
out$dataflow_class <- class(flows)[1]
out$dataflows <- as.data.frame(flows)
dsd <- readSDMX(paste0(B, "/datastructure/ITU/DSD_ICT_INDICATORS/1.0.0?references=children"))
out$dsd_class <- class(dsd)[1]
out$dsd_codelists <- sapply(slot(slot(dsd, "codelists"), "codelists"), slot, "id")
out$dsd_area <- as.data.frame(slot(dsd, "codelists"), codelistId = "CL_AREA")
out$dsd_concepts <- quiet(as.data.frame(slot(dsd, "concepts")))
out$dsd_components <- as.data.frame(slot(slot(slot(dsd, "datastructures"), "datastructures")[[1]], "Components"))
cl <- readSDMX(paste0(B, "/codelist/ITU/CL_INDICATOR/1.0.0"))
out$codelist_class <- class(cl)[1]
out$codelist <- as.data.frame(cl)
cs <- readSDMX(paste0(B, "/conceptscheme/ITU/CS_ICT_INDICATORS/1.0.0"))
out$concepts_class <- class(cs)[1]
out$concepts <- quiet(as.data.frame(cs))
cat(toJSON(out, na = "null", auto_unbox = TRUE, digits = NA))

// Plots and tables for the notebooks: build a figure (charts.ts), show it (plot), or grow one live.
export { Figure, Trace, plot, figureHtml, figureText, renderFigure, ensurePlotly, plotlyLoaderHtml } from './plotly';
export { ChartOptions, Series, HeatmapOptions, lineChart, heatmap, barChart, histogram } from './charts';
export { LiveLineChart } from './live';
export { Rows, tableHtml, tableText, renderTable, showTable } from './table';
export {
  Cell, BatchGridOptions, MaskGridOptions, DOC_COLORS, EOT_COLOR, CONTEXT_COLOR, TARGET_COLOR, MASK_COLORS, cellLabel,
  docCategories, maskCategories, batchGrid, maskGrid,
} from './batch-grid';
export {
  TokenPiece, TokenGroup, TokenInput, LabelOptions, TOKEN_COLORS, SPECIAL_TOKEN_COLOR, visibleChar, tokenLabel,
  tokenGroups, tokensHtml, tokensText, renderTokens, showTokens, compareTokens,
} from './tokens';

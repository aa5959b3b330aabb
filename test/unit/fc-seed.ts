/** The seed every fast-check property starts from (printed in the suites' titles), so a failure replays; SEQLAB_FC_SEED picks another. */
export const SEED = Number(process.env.SEQLAB_FC_SEED ?? 20261203);

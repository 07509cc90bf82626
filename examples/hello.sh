#!/bin/bash
#SBATCH --job-name=hello
#SBATCH --time=00:05:00
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --output=hello-%j.out

# A first job: where it ran and under which Slurm job id.
echo "Hello from $(hostname), Slurm job ${SLURM_JOB_ID} on ${SLURM_CLUSTER_NAME}"
